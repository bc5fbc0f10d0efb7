// DataReader: end-of-data, dot-unstuffing, smuggling sequences, size limit, byte drip.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "smtp/data_reader.h"

using namespace tegami_smtp;

namespace {

struct Outcome {
  std::string body;
  bool done = false;
  size_t consumed = 0;  // bytes of the input consumed in total
  bool bad = false;
  bool too_big = false;
  unsigned received = 0;
  std::uint64_t size = 0;
};

Outcome run(std::string_view in, std::uint64_t max = 0, size_t chunk = 0) {
  DataReader r(max);
  Outcome o;
  size_t pos = 0;
  while (pos < in.size() && !r.done()) {
    size_t n = chunk == 0 ? in.size() - pos : std::min(chunk, in.size() - pos);
    auto step = r.feed(in.substr(pos, n), o.body);
    pos += step.consumed;
    if (step.done) break;
    CHECK(step.consumed == n);  // all of a chunk is used unless the message ended
  }
  o.done = r.done();
  o.consumed = pos;
  o.bad = r.bad_line_end();
  o.too_big = r.too_big();
  o.received = r.received_count();
  o.size = r.size();
  return o;
}

}  // namespace

TEST_CASE("plain message ends at CRLF.CRLF and leaves the rest") {
  auto o = run("Subject: hi\r\n\r\nbody\r\n.\r\nMAIL FROM:<a@b>\r\n");
  CHECK(o.done);
  CHECK(o.body == "Subject: hi\r\n\r\nbody\r\n");
  CHECK(o.consumed == std::string("Subject: hi\r\n\r\nbody\r\n.\r\n").size());
  CHECK_FALSE(o.bad);
  CHECK(o.size == o.body.size());
}

TEST_CASE("empty message right after DATA") {
  auto o = run(".\r\n");
  CHECK(o.done);
  CHECK(o.body.empty());
}

TEST_CASE("dot unstuffing is exact") {
  struct Row {
    std::string in, body;
  };
  std::vector<Row> rows = {
      {"..\r\n.\r\n", ".\r\n"},
      {"...\r\n.\r\n", "..\r\n"},
      {"a\r\n..b\r\n.\r\n", "a\r\n.b\r\n"},
      {".x\r\n.\r\n", "x\r\n"},   // non-conforming stuffing: the first dot still goes
      {"a.\r\n.\r\n", "a.\r\n"},  // a dot not at line start stays
      {"a\r\n. \r\n.\r\n", "a\r\n \r\n"},
      {"\r\n.\r\n", "\r\n"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.in);
    auto o = run(row.in);
    CHECK(o.done);
    CHECK(o.body == row.body);
    CHECK_FALSE(o.bad);
  }
}

TEST_CASE("smuggling sequences never end the message and mark it refused") {
  // Each sequence followed by a would-be second message; only the final CRLF.CRLF ends.
  std::vector<std::string> seqs = {"\n.\n",   "\r.\r", "\n.\r\n", "\r\n.\n", "\r\n.\r",
                                   "\r.\r\n", "\n.\r", "\r.\n",   "\r\n.\rX"};
  for (const std::string& seq : seqs) {
    CAPTURE(seq);
    std::string in = "Subject: a\r\n\r\nx" + seq + "MAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\n";
    auto o = run(in);
    CHECK_FALSE(o.done);
    CHECK(o.consumed == in.size());
    CHECK(o.bad);
    auto closed = run(in + "\r\n.\r\n");
    CHECK(closed.done);
    CHECK(closed.consumed == in.size() + 5);
    CHECK(closed.bad);  // the session refuses it: 550 5.6.11
  }
}

TEST_CASE("a bare LF or CR anywhere marks the message") {
  CHECK(run("a\nb\r\n.\r\n").bad);
  CHECK(run("a\rb\r\n.\r\n").bad);
  CHECK(run("a\r\r\n.\r\n").bad);
  CHECK(run("\n.\r\n.\r\n").bad);
  CHECK_FALSE(run("a\r\nb\r\n.\r\n").bad);
}

TEST_CASE("byte at a time gives the same result as one chunk") {
  std::vector<std::string> inputs = {"Received: x\r\n\r\n..a\r\n.b\r\nc\r\n.\r\nNEXT",
                                     "a\n.\nb\r\n.\r\n", "\r\r\n.\r\n", ".\r\n",
                                     "x\r\n.\rY\r\n.\r\n"};
  for (const std::string& in : inputs) {
    CAPTURE(in);
    auto whole = run(in);
    for (size_t chunk : {1, 2, 3, 7}) {
      auto drip = run(in, 0, chunk);
      CHECK(drip.body == whole.body);
      CHECK(drip.done == whole.done);
      CHECK(drip.consumed == whole.consumed);
      CHECK(drip.bad == whole.bad);
      CHECK(drip.received == whole.received);
    }
  }
}

TEST_CASE("size limit: exactly max is accepted, one more byte is too big") {
  std::string body = std::string(98, 'a') + "\r\n";  // 100 bytes
  auto ok = run(body + ".\r\n", 100);
  CHECK(ok.done);
  CHECK_FALSE(ok.too_big);
  CHECK(ok.size == 100);
  auto big = run("a" + body + ".\r\n", 100);
  CHECK(big.done);  // read to the end so the session stays in sync
  CHECK(big.too_big);
  CHECK(big.body.size() <= 100);
  // Stuffing dots do not count.
  auto stuffed = run("." + body + ".\r\n", 100);
  CHECK_FALSE(stuffed.too_big);
}

TEST_CASE("received headers are counted in the header section only") {
  std::string msg;
  for (int i = 0; i < 3; ++i) msg += "Received: from x\r\n";
  msg +=
      "RECEIVED: upper\r\nX-Received: no\r\nSubject: Received: no\r\n\r\nReceived: body\r\n.\r\n";
  auto o = run(msg);
  CHECK(o.received == 4);
}
