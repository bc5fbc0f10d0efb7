// The pure helpers behind the commands: FETCH item parsing, LIST pattern matching, mailbox
// names from the wire, CRLF conversion and HEADER.FIELDS selection.
#include <doctest/doctest.h>

#include "imap/fetch_items.h"
#include "imap/mailbox_names.h"
#include "imap/message_text.h"
#include "imap/parser.h"

namespace {

imap::Arg arg_of(const std::string& text) {
  imap::Command c;
  std::string error;
  REQUIRE(imap::parse_command("t X " + text + "\r\n", {}, c, error));
  REQUIRE(c.args.size() == 1);
  return c.args[0];
}

}  // namespace

TEST_CASE("fetch items: macros, sections, partials, UID added for UID FETCH") {
  std::string error;
  auto fast = imap::parse_fetch_items(arg_of("FAST"), false, error);
  REQUIRE(fast);
  CHECK(fast->size() == 3);
  auto items = imap::parse_fetch_items(
      arg_of("(flags BODY.PEEK[HEADER.FIELDS (From \"To\")]<0.100> rfc822.size body[])"), true,
      error);
  REQUIRE(items);
  REQUIRE(items->size() == 5);
  CHECK((*items)[0].kind == imap::FetchItem::Kind::kUid);
  CHECK((*items)[2].peek);
  CHECK((*items)[2].fields == std::vector<std::string>{"FROM", "TO"});
  CHECK((*items)[2].response_name == "BODY[HEADER.FIELDS (FROM TO)]<0>");
  CHECK((*items)[2].length == 100);
  CHECK((*items)[4].response_name == "BODY[]");
  CHECK_FALSE((*items)[4].peek);
  for (const char* bad : {"BOGUS", "BODY[1.2.X]", "BODY[]<1>", "BODY[]<0.0>", "(FLAGS 1)",
                          "BODY[HEADER.FIELDS ()]", "()"}) {
    std::string b(bad);
    CAPTURE(b);
    CHECK_FALSE(imap::parse_fetch_items(arg_of(b), false, error));
  }
}

TEST_CASE("LIST patterns") {
  CHECK(imap::list_match("*", "a/b/c"));
  CHECK(imap::list_match("%", "a"));
  CHECK_FALSE(imap::list_match("%", "a/b"));
  CHECK(imap::list_match("a/%", "a/b"));
  CHECK(imap::list_match("inbox", "INBOX"));
  CHECK(imap::list_match("Inbox/%", "INBOX/x"));
  CHECK_FALSE(imap::list_match("inbox", "inboxes"));
  CHECK(imap::list_match("*a*b*c", "xaybzc"));
  // pathological patterns finish quickly
  std::string p;
  for (int i = 0; i < 30; ++i) p += "*a";
  CHECK_FALSE(imap::list_match(p + "b", std::string(200, 'a')));
  std::string many;
  for (int i = 0; i < 40; ++i) many += "%x";
  CHECK_FALSE(imap::list_match(many, "x"));
}

TEST_CASE("mailbox names from the wire") {
  CHECK(*imap::mailbox_from_wire(arg_of("&Tgtm+DBN-")) == "\xe4\xb8\x8b\xe6\x9b\xb8\xe3\x81\x8d");
  CHECK(*imap::mailbox_from_wire(arg_of("inbox")) == "INBOX");
  CHECK(imap::mailbox_to_wire("\xe4\xb8\x8b\xe6\x9b\xb8\xe3\x81\x8d") == "\"&Tgtm+DBN-\"");
  for (const char* bad : {"../x", "\"/etc\"", "~x", "&AC8-x", "&AC4ALg-", "a.b", "&Tgtm+DBN"}) {
    std::string b(bad);
    CAPTURE(b);
    auto r = imap::mailbox_from_wire(arg_of(b));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == maildir::Code::kInvalidName);
  }
}

TEST_CASE("message text: CRLF, header length, HEADER.FIELDS") {
  CHECK(imap::to_crlf("a\nb\r\nc\n") == "a\r\nb\r\nc\r\n");
  std::string m = "From: a\r\nSubject: x\r\n y\r\nTo: b\r\n\r\nbody\r\n";
  CHECK(imap::header_length(m) == m.find("body"));
  CHECK(imap::header_length("no blank line\r\n") == 15);
  std::string h = m.substr(0, imap::header_length(m));
  CHECK(imap::header_fields(h, {"SUBJECT"}, false) == "Subject: x\r\n y\r\n\r\n");
  CHECK(imap::header_fields(h, {"SUBJECT"}, true) == "From: a\r\nTo: b\r\n\r\n");
  CHECK(imap::header_fields(h, {"CC"}, false) == "\r\n");
}
