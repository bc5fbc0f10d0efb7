// ENVELOPE / BODY / BODYSTRUCTURE compared byte for byte with Dovecot's answers for the same
// messages (dovecot_vectors.h), plus RFC 3501 rules checked directly.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "dovecot_vectors.h"
#include "mime/imap_render.h"
#include "mime/parser.h"

namespace {
// imaplib (which recorded the vectors) drops the CRLF after a literal's {n}; do the same.
std::string as_recorded(std::string s) {
  static const std::regex literal(R"(\{(\d+)\}\r\n)");
  return std::regex_replace(s, literal, "{$1}");
}
}  // namespace

TEST_CASE("renderings equal Dovecot's for every recorded message") {
  for (const auto& v : dovecot_vectors::kVectors) {
    CAPTURE(v.name);
    mime::Structure s = mime::parse(v.message);
    CHECK(as_recorded(mime::render_envelope(s)) == v.envelope);
    CHECK(as_recorded(mime::render_body(s, false)) == v.body);
    CHECK(as_recorded(mime::render_body(s, true)) == v.bodystructure);
  }
}

TEST_CASE("renderings do not depend on how the input is chunked") {
  for (const auto& v : dovecot_vectors::kVectors) {
    CAPTURE(v.name);
    std::string_view msg = v.message;
    mime::Parser p;
    for (char c : msg) p.feed(std::string_view(&c, 1));
    mime::Structure s = p.finish();
    CHECK(as_recorded(mime::render_body(s, true)) == v.bodystructure);
    CHECK(as_recorded(mime::render_envelope(s)) == v.envelope);
  }
}

TEST_CASE("default body is TEXT/PLAIN us-ascii 7bit with CRLF size and line count") {
  auto s = mime::parse("Subject: x\n\nline one\nline two\n");
  CHECK(mime::render_body(s, false) ==
        R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 20 2))");
  CHECK(mime::render_body(s, true) ==
        R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 20 2 NIL NIL NIL NIL))");
}

TEST_CASE("sender and reply-to default to from; absent fields are NIL") {
  auto s = mime::parse("From: A <a@b.c>\n\n");
  CHECK(
      mime::render_envelope(s) ==
      R"((NIL NIL (("A" NIL "a" "b.c")) (("A" NIL "a" "b.c")) (("A" NIL "a" "b.c")) NIL NIL NIL NIL NIL))");
  auto t = mime::parse("From: a@b\nReply-To: r@b\nSender: s@b\n\n");
  CHECK(
      mime::render_envelope(t) ==
      R"((NIL NIL ((NIL NIL "a" "b")) ((NIL NIL "s" "b")) ((NIL NIL "r" "b")) NIL NIL NIL NIL NIL))");
}

TEST_CASE("strings with quotes, backslashes, 8-bit bytes or CR/LF become literals") {
  CHECK(mime::imap_string("plain") == "\"plain\"");
  CHECK(mime::imap_string("a\"b") == "{3}\r\na\"b");
  CHECK(mime::imap_string("a\\b") == "{3}\r\na\\b");
  CHECK(mime::imap_string("\xe6\x97\xa5") == "{3}\r\n\xe6\x97\xa5");
  CHECK(mime::imap_nstring("") == "NIL");
  auto s = mime::parse("Subject: \xe6\x97\xa5\xe6\x9c\xac\n\n");
  CHECK(mime::render_envelope(s) ==
        "(NIL {6}\r\n\xe6\x97\xa5\xe6\x9c\xac NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST_CASE("groups render as start and end markers (RFC 3501 7.4.2)") {
  auto s = mime::parse("To: Team: a@b, \"C D\" <c@d>;\n\n");
  CHECK(
      mime::render_envelope(s) ==
      R"((NIL NIL NIL NIL NIL ((NIL NIL "Team" NIL)(NIL NIL "a" "b")("C D" NIL "c" "d")(NIL NIL NIL NIL)) NIL NIL NIL NIL))");
}
