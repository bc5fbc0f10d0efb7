// The IMAP command parser: table tests, byte-at-a-time delivery, RFC 3501 examples, limits and
// attack vectors.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "imap/parser.h"
#include "imap/sequence_set.h"

using imap::Arg;
using imap::CommandParser;

namespace {

// Feeds `wire` whole; answers "+" to synchronising literals as a session would.
std::vector<CommandParser::Result> feed_all(CommandParser& p, std::string_view wire) {
  std::vector<CommandParser::Result> out;
  size_t pos = 0;
  while (true) {
    auto r = p.feed(wire.substr(pos));
    pos += r.consumed;
    if (r.kind == CommandParser::Kind::kNeedMore && pos >= wire.size()) break;
    if (r.kind != CommandParser::Kind::kNeedMore && r.kind != CommandParser::Kind::kNeedLiteral) {
      out.push_back(std::move(r));
      if (out.back().fatal) break;
    }
    if (pos >= wire.size() && r.kind != CommandParser::Kind::kCommand &&
        r.kind != CommandParser::Kind::kError) {
      break;
    }
  }
  return out;
}

// The same wire delivered one byte at a time, each byte given once consumed.
std::vector<CommandParser::Result> feed_bytewise(CommandParser& p, std::string_view wire) {
  std::vector<CommandParser::Result> out;
  std::string pending;
  for (char c : wire) {
    pending += c;
    while (!pending.empty()) {
      auto r = p.feed(pending);
      pending.erase(0, r.consumed);
      if (r.kind == CommandParser::Kind::kCommand || r.kind == CommandParser::Kind::kError) {
        out.push_back(std::move(r));
        if (out.back().fatal) return out;
        continue;
      }
      if (r.consumed == 0) break;
    }
  }
  return out;
}

std::string show(const Arg& a) {
  switch (a.kind) {
    case Arg::Kind::kAtom:
      return a.text;
    case Arg::Kind::kQuoted:
      return "\"" + a.text + "\"";
    case Arg::Kind::kLiteral:
      return "{" + a.text + "}";
    case Arg::Kind::kNil:
      return "NIL";
    case Arg::Kind::kList: {
      std::string s = "(";
      for (size_t i = 0; i < a.children.size(); ++i) s += (i ? " " : "") + show(a.children[i]);
      return s + ")";
    }
  }
  return "?";
}

std::string show(const imap::Command& c) {
  std::string s = c.tag + "|" + c.name;
  for (const Arg& a : c.args) s += "|" + show(a);
  return s;
}

struct Case {
  const char* wire;
  const char* parsed;  // show() of the command, or "BAD:<tag>" for a non-fatal error
};

const Case kCases[] = {
    {"a001 CAPABILITY\r\n", "a001|CAPABILITY"},
    {"a002 noop\r\n", "a002|NOOP"},
    {"A1 LOGIN SMITH SESAME\r\n", "A1|LOGIN|SMITH|SESAME"},
    {"A1 LOGIN \"fred \\\"x\\\\\" \"\"\r\n", "A1|LOGIN|\"fred \"x\\\"|\"\""},
    {"A1 LOGIN {4}\r\nfred {3}\r\nabc\r\n", "A1|LOGIN|{fred}|{abc}"},
    {"A1 LOGIN {4+}\r\nfred {0+}\r\n\r\n", "A1|LOGIN|{fred}|{}"},
    {"A142 SELECT INBOX\r\n", "A142|SELECT|INBOX"},
    {"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n",
     "A654|FETCH|2:4|(FLAGS BODY[HEADER.FIELDS (DATE FROM)])"},
    {"A003 STORE 2:4 +FLAGS (\\Deleted)\r\n", "A003|STORE|2:4|+FLAGS|(\\Deleted)"},
    {"A999 UID FETCH 4827313:4828442 FLAGS\r\n", "A999|UID FETCH|4827313:4828442|FLAGS"},
    {"A202 LIST ~/Mail/ %\r\n", "A202|LIST|~/Mail/|%"},
    {"A101 LIST \"\" \"\"\r\n", "A101|LIST|\"\"|\"\""},
    {"a1 fetch 1 body.peek[]<0.10>\r\n", "a1|FETCH|1|body.peek[]<0.10>"},
    {"a1 ID NIL\r\n", "a1|ID|NIL"},
    {"a1 ID (\"name\" \"x\")\n", "a1|ID|(\"name\" \"x\")"},
    {"a1 X ((a) (b (c)))\r\n", "a1|X|((a) (b (c)))"},
    {"a1 X ()\r\n", "a1|X|()"},
    {"a1 SEARCH CHARSET UTF-8 SUBJECT {6}\r\n\xe4\xb8\x8b\xe6\x9b\xb8\r\n",
     "a1|SEARCH|CHARSET|UTF-8|SUBJECT|{\xe4\xb8\x8b\xe6\x9b\xb8}"},
    // errors that keep the stream in sync
    {"a1 LOGIN \"unterminated\r\n", "BAD:a1"},
    {"a1 LOGIN a  b\r\n", "BAD:a1"},
    {"a1 LOGIN a \"bad\\escape\"\r\n", "BAD:a1"},
    {"a1 X (a\r\n", "BAD:a1"},
    {"a1 X a)\r\n", "BAD:a1"},
    {"a1\r\n", "BAD:a1"},
    {"+tag NOOP\r\n", "BAD:"},
    {"* NOOP\r\n", "BAD:"},
    {"a\"b NOOP\r\n", "BAD:"},
    {"a1 NO\x01OP\r\n", "BAD:a1"},
    {"a1 FETCH 1 BODY[HEADER\r\n", "BAD:a1"},
};

std::string verdict(const CommandParser::Result& r) {
  if (r.kind == CommandParser::Kind::kCommand) return show(r.command);
  return std::string(r.fatal ? "BYE:" : "BAD:") + r.tag;
}

}  // namespace

TEST_CASE("table: whole and byte-at-a-time give the same commands") {
  for (const Case& c : kCases) {
    std::string wire(c.wire, std::char_traits<char>::length(c.wire));
    CAPTURE(wire);
    CommandParser whole;
    auto a = feed_all(whole, wire);
    REQUIRE(a.size() == 1);
    CHECK(verdict(a[0]) == c.parsed);
    CommandParser drip;
    auto b = feed_bytewise(drip, wire);
    REQUIRE(b.size() == 1);
    CHECK(verdict(b[0]) == c.parsed);
    CHECK_FALSE(drip.in_command());
  }
}

TEST_CASE("a NUL in a quoted string is refused") {
  CommandParser p;
  auto r = p.feed(std::string("a1 X \"a\0b\"\r\n", 12));
  CHECK(r.kind == CommandParser::Kind::kError);
  CHECK(r.tag == "a1");
  CHECK_FALSE(r.fatal);
}

TEST_CASE("synchronising literal asks for a continuation; LITERAL+ does not") {
  CommandParser p;
  auto r = p.feed("A1 LOGIN {4}\r\n");
  CHECK(r.kind == CommandParser::Kind::kNeedLiteral);
  CHECK(r.literal == 4);
  CHECK(r.consumed == 14);
  r = p.feed("fred {6+}\r\nsecre");
  CHECK(r.kind == CommandParser::Kind::kNeedMore);
  CHECK(r.consumed == 16);
  r = p.feed("t\r\nA2 NOOP\r\n");
  REQUIRE(r.kind == CommandParser::Kind::kCommand);
  CHECK(r.consumed == 3);
  CHECK(show(r.command) == "A1|LOGIN|{fred}|{secret}");
  r = p.feed("A2 NOOP\r\n");
  REQUIRE(r.kind == CommandParser::Kind::kCommand);
  CHECK(r.command.name == "NOOP");
}

TEST_CASE("pipelined commands come out one at a time") {
  CommandParser p;
  std::string wire = "a NOOP\r\nb CAPABILITY\r\n\r\nc LOGOUT\r\n";
  auto all = feed_all(p, wire);
  REQUIRE(all.size() == 3);
  CHECK(all[0].command.tag == "a");
  CHECK(all[1].command.tag == "b");
  CHECK(all[2].command.name == "LOGOUT");
}

TEST_CASE("a literal may contain CRLF, braces and quotes") {
  CommandParser p;
  std::string body = "From: x\r\n\r\n{3}\r\n\"(\r\n";
  std::string wire =
      "A3 APPEND INBOX (\\Seen) {" + std::to_string(body.size()) + "+}\r\n" + body + "\r\n";
  auto a = feed_all(p, wire);
  REQUIRE(a.size() == 1);
  REQUIRE(a[0].kind == CommandParser::Kind::kCommand);
  REQUIRE(a[0].command.args.size() == 3);
  CHECK(a[0].command.args[2].text == body);
  CommandParser drip;
  auto b = feed_bytewise(drip, wire);
  REQUIRE(b.size() == 1);
  CHECK(b[0].command.args[2].text == body);
}

TEST_CASE("limits: line, literal, depth, tag") {
  imap::ParserLimits lim;
  lim.max_line = 100;
  lim.max_literal = 1000;
  lim.max_literal_nonsync = 10;
  lim.max_depth = 3;
  lim.max_tag = 8;
  {
    CommandParser p(lim);
    std::string wire = "a1 X " + std::string(200, 'x');  // no CRLF yet: over the line limit
    auto r = p.feed(wire);
    CHECK(r.kind == CommandParser::Kind::kError);
    CHECK(r.fatal);
    CHECK(r.tag == "a1");
  }
  {
    CommandParser p(lim);
    auto r = p.feed("a1 APPEND INBOX {1001}\r\n");
    CHECK(r.kind == CommandParser::Kind::kError);
    CHECK_FALSE(r.fatal);  // the client waits for "+": still in sync
    CHECK(r.too_large);
    CHECK(r.tag == "a1");
    r = p.feed("a2 NOOP\r\n");
    CHECK(r.kind == CommandParser::Kind::kCommand);
  }
  {
    CommandParser p(lim);
    auto r = p.feed("a1 APPEND INBOX {11+}\r\n");
    CHECK(r.kind == CommandParser::Kind::kError);
    CHECK(r.fatal);  // the literal is already on its way
    CHECK(r.too_large);
  }
  {
    CommandParser p(lim);
    auto r = p.feed("a1 APPEND INBOX {99999999999999999999}\r\n");
    CHECK(r.kind == CommandParser::Kind::kError);
  }
  {
    CommandParser p(lim);
    CHECK(p.feed("a1 X (((a)))\r\n").kind == CommandParser::Kind::kCommand);
    auto r = p.feed("a1 X ((((a))))\r\n");
    CHECK(r.kind == CommandParser::Kind::kError);
    CHECK_FALSE(r.fatal);
  }
  {
    CommandParser p(lim);
    auto r = p.feed("abcdefghi NOOP\r\n");
    CHECK(r.kind == CommandParser::Kind::kError);
    CHECK(r.tag == "");
  }
  {
    // Many small literals cannot grow one command without bound.
    imap::ParserLimits l2;
    l2.max_command = 1000;
    CommandParser p(l2);
    std::string wire = "a1 X";
    for (int i = 0; i < 500; ++i) wire += " {1+}\r\nx";
    wire += "\r\n";
    auto all = feed_all(p, wire);
    REQUIRE_FALSE(all.empty());
    CHECK(all[0].kind == CommandParser::Kind::kError);
    CHECK(all[0].fatal);
  }
}

TEST_CASE("deep nesting attack is refused without recursion blow-up") {
  CommandParser p;
  std::string wire = "a1 X " + std::string(30000, '(') + std::string(30000, ')') + "\r\n";
  auto r = p.feed(wire);
  CHECK(r.kind == CommandParser::Kind::kError);
  CHECK_FALSE(r.fatal);
}

TEST_CASE("quote_string") {
  CHECK(imap::quote_string("INBOX") == "\"INBOX\"");
  CHECK(imap::quote_string("a\"b\\") == "\"a\\\"b\\\\\"");
  CHECK(imap::quote_string("a\r\nb") == "{4}\r\na\r\nb");
  CHECK(imap::quote_string("\xe4\xb8\x8b") == "{3}\r\n\xe4\xb8\x8b");
}

TEST_CASE("sequence sets") {
  auto s = imap::parse_sequence_set("1:3,7,9:*");
  REQUIRE(s);
  CHECK(s->contains(2, 20));
  CHECK_FALSE(s->contains(5, 20));
  CHECK(s->contains(7, 20));
  CHECK(s->contains(15, 20));
  auto r = imap::parse_sequence_set("5:2");
  REQUIRE(r);
  CHECK(r->contains(3, 10));
  auto star = imap::parse_sequence_set("*");
  REQUIRE(star);
  CHECK(star->contains(10, 10));
  CHECK_FALSE(star->contains(9, 10));
  CHECK_FALSE(star->contains(1, 0));
  for (const char* bad : {"", "0", "1:0", "a", "1,", ",1", "1::2", "4294967296", "01", "1:2:3"}) {
    CAPTURE(bad);
    CHECK_FALSE(imap::parse_sequence_set(bad));
  }
  CHECK(imap::parse_sequence_set("4294967294"));
}
