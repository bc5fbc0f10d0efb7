// UTF8=ACCEPT (RFC 6855): mailbox names as UTF-8 on the wire, the SEARCH charset rule and
// APPEND's UTF8 data item.
#include <doctest/doctest.h>

#include <string>

#include "imap/mailbox_names.h"
#include "imap/parser.h"
#include "imap/utf8_accept.h"

namespace {

imap::Command parse(const std::string& text) {
  imap::Command c;
  std::string err;
  REQUIRE_MESSAGE(imap::parse_command(text, imap::ParserLimits{}, c, err), err);
  return c;
}

}  // namespace

TEST_CASE("mailbox names: UTF-8 both ways once enabled, modified UTF-7 before") {
  using imap::WireNames;
  CHECK(imap::mailbox_to_wire("日本語/下位", WireNames::kUtf8) == "\"日本語/下位\"");
  CHECK(imap::mailbox_to_wire("日本語", WireNames::kMutf7) == "\"&ZeVnLIqe-\"");
  CHECK(imap::mailbox_to_wire("a\"b", WireNames::kUtf8) == "\"a\\\"b\"");
  auto c = parse("t SELECT \"日本語\"\r\n");
  auto n = imap::mailbox_from_wire(c.args[0], WireNames::kUtf8);
  REQUIRE(n.ok());
  CHECK(*n == "日本語");
  c = parse("t SELECT &ZeVnLIqe-\r\n");
  n = imap::mailbox_from_wire(c.args[0], WireNames::kMutf7);
  REQUIRE(n.ok());
  CHECK(*n == "日本語");
  c = parse("t SELECT \"bad\xff\"\r\n");
  CHECK_FALSE(imap::mailbox_from_wire(c.args[0], WireNames::kUtf8).ok());
  CHECK_FALSE(imap::pattern_from_wire("\xc3", WireNames::kUtf8).ok());
  CHECK(*imap::pattern_from_wire("日本語/%", WireNames::kUtf8) == "日本語/%");
}

TEST_CASE("SEARCH charsets after ENABLE UTF8=ACCEPT (RFC 6855 section 3, erratum 4029)") {
  CHECK_FALSE(imap::charset_conflicts_utf8(false, "ISO-2022-JP"));
  CHECK(imap::charset_conflicts_utf8(true, "ISO-2022-JP"));
  CHECK(imap::charset_conflicts_utf8(true, "Shift_JIS"));
  CHECK_FALSE(imap::charset_conflicts_utf8(true, "utf-8"));
  CHECK_FALSE(imap::charset_conflicts_utf8(true, "US-ASCII"));
}

TEST_CASE("APPEND's message: a literal, or UTF8 (~{n}) once enabled (RFC 6855 section 4)") {
  auto c = parse("t APPEND INBOX (\\Seen) UTF8 (~{5}\r\nhello)\r\n");
  size_t i = 2;
  CHECK(imap::append_message_arg(c.args, i, false) == nullptr);
  i = 2;
  imap::Arg* m = imap::append_message_arg(c.args, i, true);
  REQUIRE(m != nullptr);
  CHECK(m->text == "hello");
  CHECK(i == 4);
  c = parse("t APPEND INBOX {5}\r\nhello\r\n");
  i = 1;
  m = imap::append_message_arg(c.args, i, true);
  REQUIRE(m != nullptr);
  CHECK(i == 2);
  for (const char* bad :
       {"t APPEND INBOX UTF8 ({5}\r\nhello)\r\n",  // not literal8
        "t APPEND INBOX UTF8 (~{1}\r\na ~{1}\r\nb)\r\n", "t APPEND INBOX UTF8 x\r\n"}) {
    c = parse(bad);
    i = 1;
    CHECK_MESSAGE(imap::append_message_arg(c.args, i, true) == nullptr, bad);
  }
}
