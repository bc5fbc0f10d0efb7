// The multi-line body transform: LF→CRLF, dot-stuffing, the terminator, TOP's line limit —
// in one piece and byte at a time, and streamed from a file.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "pop3/dot_stuffer.h"
#include "temp_dir.h"

using tegami::pop3::DotStuffer;

namespace {

std::string whole(std::string_view in, std::optional<std::uint32_t> lines = std::nullopt) {
  DotStuffer s(lines);
  std::string out;
  s.feed(in, out);
  s.finish(out);
  return out;
}

std::string dripped(std::string_view in, std::optional<std::uint32_t> lines = std::nullopt) {
  DotStuffer s(lines);
  std::string out;
  for (char ch : in) s.feed(std::string_view(&ch, 1), out);
  s.finish(out);
  return out;
}

}  // namespace

TEST_CASE("RETR form: CRLF line ends, dots stuffed, terminator") {
  struct Row {
    std::string in, out;
  } rows[] = {
      {"a\nb\n", "a\r\nb\r\n.\r\n"},
      {"a\r\nb\r\n", "a\r\nb\r\n.\r\n"},
      {".\n..x\n", "..\r\n...x\r\n.\r\n"},
      {"no newline", "no newline\r\n.\r\n"},
      {"", ".\r\n"},
      {"x.\n.", "x.\r\n..\r\n.\r\n"},
      {"bare\rcr\n", "bare\rcr\r\n.\r\n"},
      {"end with cr\r", "end with cr\r\r\n.\r\n"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.in);
    CHECK(whole(r.in) == r.out);
    CHECK(dripped(r.in) == r.out);
  }
}

TEST_CASE("TOP form: header, blank line, n body lines") {
  std::string msg = "A: 1\nB: 2\n\nl1\n.l2\nl3\n";
  CHECK(whole(msg, 0) == "A: 1\r\nB: 2\r\n\r\n.\r\n");
  CHECK(whole(msg, 2) == "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n");
  CHECK(whole(msg, 99) == "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
  CHECK(dripped(msg, 2) == whole(msg, 2));
  // A header without a body.
  CHECK(whole("A: 1\n", 5) == "A: 1\r\n.\r\n");
}

TEST_CASE("message stream reads the file in pieces and matches the pure transform") {
  TempDir dir;
  std::string path = dir.path() + "/m";
  std::string body;
  for (int i = 0; i < 20000; ++i)
    body += (i % 7 == 0 ? ".line " : "line ") + std::to_string(i) + "\n";
  std::ofstream(path, std::ios::binary) << body;
  auto stream = tegami::pop3::open_message_stream(path, std::nullopt);
  REQUIRE(stream.ok());
  std::string got;
  char buf[1000];
  for (;;) {
    auto n = (*stream)->pull(buf, sizeof buf);
    REQUIRE(n.ok());
    if (*n == 0) break;
    got.append(buf, *n);
  }
  CHECK(got == whole(body));
  // pull_append (the plaintext write path), alone and mixed with pull(); CRLF files and TOP.
  std::string crlf_body;
  for (int i = 0; i < 20000; ++i) crlf_body += (i % 5 == 0 ? "." : "") + std::to_string(i) + "\r\n";
  std::ofstream(path + "2", std::ios::binary) << "Subject: x\r\n\r\n" << crlf_body;
  for (std::optional<std::uint32_t> top :
       {std::optional<std::uint32_t>(), std::optional<std::uint32_t>(7)}) {
    for (std::size_t max : {std::size_t{1}, std::size_t{100}, std::size_t{65536}}) {
      auto s = tegami::pop3::open_message_stream(path + "2", top);
      REQUIRE(s.ok());
      std::string out;
      for (int round = 0;; ++round) {
        maildir::Result<std::size_t> n = std::size_t{0};
        if (round % 3 == 2) {
          n = (*s)->pull(buf, 37);
          if (n.ok()) out.append(buf, *n);
        } else {
          n = (*s)->pull_append(out, max);
        }
        REQUIRE(n.ok());
        if (*n == 0) break;
      }
      CHECK(out == whole("Subject: x\r\n\r\n" + crlf_body, top));
    }
  }
  CHECK(tegami::pop3::open_message_stream(dir.path() + "/missing", std::nullopt).status().code() ==
        maildir::Code::kNotFound);
}
