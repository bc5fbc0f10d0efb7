// ReplyParser: single and multi-line replies, byte drip, garbage and limits; EHLO keywords.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "outbound/capabilities.h"
#include "outbound/reply_parser.h"

using namespace tegami::outbound;

namespace {

// Each reply as "<code>|line|line", or "ERR:<why>"; fed in chunks of `chunk` bytes (0 = all).
std::vector<std::string> parse(std::string_view in, size_t chunk = 0, ReplyLimits limits = {}) {
  ReplyParser p(limits);
  std::vector<std::string> out;
  std::string buf;
  size_t pos = 0;
  while (true) {
    if (pos < in.size()) {
      size_t n = chunk == 0 ? in.size() : std::min(chunk, in.size() - pos);
      buf.append(in.substr(pos, n));
      pos += n;
    }
    while (true) {
      auto r = p.next(buf);
      buf.erase(0, r.consumed);
      if (r.kind == ReplyParser::Kind::kError) {
        out.push_back("ERR:" + r.error);
        return out;
      }
      if (r.kind == ReplyParser::Kind::kNeedMore) break;
      std::string s = std::to_string(r.reply.code);
      for (const auto& l : r.reply.lines) s += "|" + l;
      out.push_back(s);
    }
    if (pos >= in.size()) return out;
  }
}

}  // namespace

TEST_CASE("single and multi-line replies") {
  CHECK(parse("220 mx.example.org ESMTP\r\n") ==
        std::vector<std::string>{"220|mx.example.org ESMTP"});
  CHECK(parse("250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 1000\r\n") ==
        std::vector<std::string>{"250|mx.example.org|PIPELINING|SIZE 1000"});
  CHECK(parse("250\r\n354 go\r\n") == std::vector<std::string>{"250|", "354|go"});
  CHECK(parse("250 ok\n") == std::vector<std::string>{"250|ok"});  // bare LF accepted
  CHECK(parse("250-a\r\n").empty());                               // incomplete
}

TEST_CASE("byte drip gives the same replies") {
  std::string in = "250-mx\r\n250-8BITMIME\r\n250 DSN\r\n550 5.1.1 no such user\r\n";
  auto whole = parse(in);
  REQUIRE(whole.size() == 2);
  for (size_t chunk = 1; chunk < 8; ++chunk) CHECK(parse(in, chunk) == whole);
}

TEST_CASE("garbage is an error") {
  CHECK(parse("HTTP/1.1 400 Bad Request\r\n")[0].rfind("ERR:", 0) == 0);
  CHECK(parse("25\r\n")[0].rfind("ERR:", 0) == 0);
  CHECK(parse("250x\r\n")[0].rfind("ERR:", 0) == 0);
  CHECK(parse("650 six hundred\r\n")[0].rfind("ERR:", 0) == 0);
  CHECK(parse("150 one hundred\r\n")[0].rfind("ERR:", 0) == 0);
  CHECK(parse("250-a\r\n550 b\r\n")[0] == "ERR:reply code changed inside a multi-line reply");
}

TEST_CASE("endless multi-line replies and long lines hit the limits") {
  ReplyLimits limits;
  limits.max_lines = 10;
  limits.max_bytes = 1000;
  limits.max_line = 100;
  std::string many;
  for (int i = 0; i < 11; ++i) many += "250-x\r\n";
  CHECK(parse(many, 0, limits).back() == "ERR:reply has more lines than the limit");
  std::string big;
  for (int i = 0; i < 10; ++i) big += "250-" + std::string(96, 'y') + "\r\n";
  CHECK(parse(big, 0, limits).back() == "ERR:reply longer than the byte limit");
  CHECK(parse("250 " + std::string(200, 'z'), 0, limits).back() == "ERR:reply line too long");
  CHECK(parse("250 " + std::string(200, 'z') + "\r\n", 0, limits).back() ==
        "ERR:reply line too long");
}

TEST_CASE("enhanced code and one_line") {
  Reply r;
  r.code = 550;
  r.lines = {"5.1.1 <bob@example.org>: user unknown", "see\thttp://x"};
  CHECK(r.enhanced() == "5.1.1");
  CHECK(r.one_line() == "550 5.1.1 <bob@example.org>: user unknown / see?http://x");
  CHECK(make_reply(250, "ok").enhanced().empty());
  CHECK(make_reply(451, "4.7.1 greylisted").enhanced() == "4.7.1");
}

TEST_CASE("EHLO keywords") {
  Reply r;
  r.code = 250;
  r.lines = {"mx.example.org hello", "PIPELINING",       "size 35882577", "8BITMIME", "STARTTLS",
             "AUTH=LOGIN",           "AUTH PLAIN login", "SMTPUTF8"};
  auto c = parse_ehlo(r);
  CHECK(c.pipelining);
  CHECK(c.size);
  CHECK(c.max_size == 35882577);
  CHECK(c.eightbitmime);
  CHECK(c.starttls);
  CHECK(c.smtputf8);
  CHECK_FALSE(c.dsn);
  CHECK(c.has_auth("plain"));
  CHECK(c.has_auth("LOGIN"));
  CHECK(c.auth.size() == 2);
  Reply bare;
  bare.code = 250;
  bare.lines = {"mx", "SIZE"};
  CHECK(parse_ehlo(bare).size);
  CHECK(parse_ehlo(bare).max_size == 0);
}
