// BINARY (RFC 3516): item parsing, and decoded_source streaming a base64 / quoted-printable
// region of a stored (LF) file with partial windows, byte at a time through small pulls.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "imap/fetch_binary.h"
#include "imap/fetch_items.h"
#include "imap/message_file.h"
#include "imap/parser.h"

namespace {

imap::Arg arg_of(const std::string& text) {
  imap::Command c;
  std::string error;
  REQUIRE(imap::parse_command("t X " + text + "\r\n", {}, c, error));
  REQUIRE(c.args.size() == 1);
  return c.args[0];
}

std::string drain(net::PullSource& src, size_t cap) {
  std::string out;
  char buf[64 * 1024];
  while (true) {
    auto n = src.pull(buf, cap);
    REQUIRE(n.ok());
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

}  // namespace

TEST_CASE("BINARY items parse with part numbers and partials only") {
  std::string error;
  auto items = imap::parse_fetch_items(
      arg_of("(BINARY[1]<0.10> BINARY.PEEK[] BINARY.SIZE[2.1] binary.peek[3])"), false, error);
  REQUIRE(items);
  REQUIRE(items->size() == 4);
  CHECK((*items)[0].kind == imap::FetchItem::Kind::kBinary);
  CHECK_FALSE((*items)[0].peek);
  CHECK((*items)[0].response_name == "BINARY[1]<0>");
  CHECK((*items)[1].peek);
  CHECK((*items)[1].response_name == "BINARY[]");
  CHECK((*items)[2].kind == imap::FetchItem::Kind::kBinarySize);
  CHECK((*items)[2].response_name == "BINARY.SIZE[2.1]");
  CHECK((*items)[3].response_name == "BINARY[3]");
  for (const char* bad : {"BINARY[1.MIME]", "BINARY[HEADER]", "BINARY[TEXT]", "BINARY.SIZE[1]<0.5>",
                          "BINARY[1]<x>", "BINARY.FOO[1]", "BINARY[0]"}) {
    INFO(bad);
    CHECK_FALSE(imap::parse_fetch_items(arg_of(bad), false, error));
  }
}

TEST_CASE("decoded_source: base64 and quoted-printable, windows, small pulls") {
  char path[] = "/tmp/binary-src-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  // Stored with LF line ends, as Maildir files are.
  std::string b64 = "SGVsbG8sIHdv\ncmxkIQ==\n";  // "Hello, world!"
  std::string qp = "caf=C3=A9 line=\nsoft\nnext\n";
  std::string content = b64 + qp;
  REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
  auto f = imap::MessageFile::open(path);
  REQUIRE(f.ok());
  auto whole = imap::decoded_source(*f, 0, b64.size(), "base64", imap::Window{0, 13});
  CHECK(drain(*whole, 1) == "Hello, world!");
  auto part = imap::decoded_source(*f, 0, b64.size(), "BASE64", imap::Window{7, 5});
  CHECK(drain(*part, 3) == "world");
  auto q = imap::decoded_source(*f, b64.size(), qp.size(), "quoted-printable", imap::Window{0, 22});
  CHECK(drain(*q, 2) == "caf\xc3\xa9 linesoft\r\nnext\r\n");
  // A window longer than the content: the stream fails instead of sending short.
  auto over = imap::decoded_source(*f, 0, b64.size(), "base64", imap::Window{0, 20});
  char buf[64];
  bool failed = false;
  for (int i = 0; i < 10 && !failed; ++i) {
    auto n = over->pull(buf, sizeof buf);
    failed = !n.ok();
    if (n.ok() && *n == 0) break;
  }
  CHECK(failed);
  unlink(path);
}
