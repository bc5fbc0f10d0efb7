// parse_command / parse_path / ESMTP parameters / xtext: table tests and attack vectors.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "smtp/command.h"

using namespace tegami_smtp;

namespace {

Command ok(std::string_view line) {
  auto r = parse_command(line);
  if (auto* rep = std::get_if<Reply>(&r)) FAIL("refused: ", rep->wire());
  return std::get<Command>(r);
}

Reply refused(std::string_view line) {
  auto r = parse_command(line);
  REQUIRE_MESSAGE(std::holds_alternative<Reply>(r), "accepted: ", line);
  return std::get<Reply>(r);
}

}  // namespace

TEST_CASE("verbs are case-insensitive; unknown verb is 500 5.5.1") {
  CHECK(ok("ehlo client.example").verb == Verb::kEhlo);
  CHECK(ok("EhLo client.example").arg == "client.example");
  CHECK(ok("QUIT").verb == Verb::kQuit);
  CHECK(ok("starttls").verb == Verb::kStartTls);
  CHECK(ok("NOOP anything at all").verb == Verb::kNoop);
  Reply r = refused("BDAT 10 LAST");
  CHECK(r.code == 500);
  CHECK(r.enhanced == "5.5.1");
  CHECK(refused("").code == 500);
}

TEST_CASE("argument rules") {
  CHECK(refused("EHLO").code == 501);
  CHECK(refused("HELO bad host").code == 501);
  CHECK(ok("EHLO [192.0.2.1]").arg == "[192.0.2.1]");
  CHECK(refused("DATA x").code == 501);
  CHECK(ok("DATA ").verb == Verb::kData);
  CHECK(refused("STARTTLS now").code == 501);
  CHECK(refused("VRFY").code == 501);
  CHECK(refused("MAIL").code == 501);
  CHECK(refused("MAIL TO:<a@b>").code == 501);
  CHECK(refused("RCPT FROM:<a@b>").code == 501);
}

TEST_CASE("control characters are refused with 501 5.5.2") {
  for (std::string line : {std::string("NOOP a\0b", 8), std::string("MAIL FROM:<a@b>\x01"),
                           std::string("EHLO a\x7f")}) {
    Reply r = refused(line);
    CHECK(r.code == 501);
    CHECK(r.enhanced == "5.5.2");
  }
}

TEST_CASE("MAIL FROM with paths") {
  Command c = ok("MAIL FROM:<alice@example.com>");
  CHECK(c.verb == Verb::kMail);
  CHECK(c.path.local == "alice");
  CHECK(c.path.domain == "example.com");
  CHECK(c.path.address() == "alice@example.com");
  CHECK(ok("mail from:<>").path.null);
  CHECK(ok("MAIL FROM: <a@b.c>").path.address() == "a@b.c");  // one space tolerated
  CHECK(refused("MAIL FROM:alice@example.com").enhanced == "5.1.7");
  CHECK(refused("MAIL FROM:<alice@example.com").code == 501);
  CHECK(refused("MAIL FROM:<alice>").code == 501);
  CHECK(refused("MAIL FROM:<@example.com>").code == 501);
  CHECK(refused("MAIL FROM:<a..b@example.com>").code == 501);
  CHECK(refused("MAIL FROM:<.a@example.com>").code == 501);
  CHECK(refused("MAIL FROM:<a@-x.com>").code == 501);
  CHECK(refused("MAIL FROM:<a@x..com>").code == 501);
  CHECK(refused("MAIL FROM:<a@b>junk").code == 501);
}

TEST_CASE("RCPT TO: the null path is refused, quoted local parts are decoded") {
  CHECK(refused("RCPT TO:<>").enhanced == "5.1.3");
  Command c = ok(R"(RCPT TO:<"john \"q\" doe"@example.com>)");
  CHECK(c.path.quoted);
  CHECK(c.path.local == R"(john "q" doe)");
  CHECK(c.path.address() == R"("john \"q\" doe"@example.com)");
  CHECK(ok("RCPT TO:<Postmaster@Example.COM>").path.domain == "Example.COM");
}

TEST_CASE("relay tricks are parsed and named, never taken for local mail") {
  struct Row {
    std::string line;
    bool trick;
  };
  std::vector<Row> rows = {
      {"RCPT TO:<victim%remote.example@us.example>", true},
      {"RCPT TO:<@us.example:victim@remote.example>", true},
      {"RCPT TO:<@us.example,@relay.example:victim@remote.example>", true},
      {"RCPT TO:<\"victim@remote.example\"@us.example>", true},
      {"RCPT TO:<remote.example!victim@us.example>", true},
      {"RCPT TO:<user@us.example.>", true},
      {"RCPT TO:<user@us.example>", false},
      {"RCPT TO:<first.last+tag@us.example>", false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.line);
    Command c = ok(row.line);
    CHECK(relay_trick(c.path).has_value() == row.trick);
  }
  // The address as given (minus the trick markers) never contains the route.
  Command c = ok("RCPT TO:<@a.example:v@b.example>");
  CHECK(c.path.source_route);
  CHECK(c.path.address() == "v@b.example");
}

TEST_CASE("UTF-8 addresses are marked; malformed UTF-8 is refused") {
  Command c = ok("RCPT TO:<山田@例え.jp> ");
  CHECK(c.path.utf8);
  CHECK(c.path.local == "山田");
  CHECK(refused("RCPT TO:<\xff\xfe@x.jp>").code == 501);
  CHECK(refused("RCPT TO:<\xe5\xb1@x.jp>").code == 501);      // truncated sequence
  CHECK(refused("RCPT TO:<\xc0\xaf@x.jp>").code == 501);      // overlong '/'
  CHECK(refused("RCPT TO:<\xed\xa0\x80@x.jp>").code == 501);  // surrogate
}

TEST_CASE("MAIL parameters") {
  Command c =
      ok("MAIL FROM:<a@b.c> SIZE=20971520 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1 "
         "AUTH=<>");
  CHECK(c.mail.size == 20971520u);
  CHECK(c.mail.body == Body::k8BitMime);
  CHECK(c.mail.smtputf8);
  CHECK(c.mail.ret == Ret::kHdrs);
  CHECK(c.mail.envid == "QQ+1");
  CHECK(c.mail.auth == "<>");
  CHECK(ok("MAIL FROM:<a@b.c> size=1 body=7bit").mail.body == Body::k7Bit);
  struct Row {
    std::string params;
    int code;
  };
  std::vector<Row> bad = {
      {" SIZE=", 501},        {" SIZE=-1", 501},
      {" SIZE=1x", 501},      {" SIZE=99999999999999999999", 501},
      {" SIZE", 501},         {" SIZE=1 SIZE=2", 501},
      {" BODY=9BIT", 501},    {" BODY=BINARYMIME", 555},
      {" SMTPUTF8=yes", 501}, {" RET=ALL", 501},
      {" ENVID=a+0Db", 501},  {" ENVID=a+00", 501},
      {" ENVID=+4", 501},     {" ENVID=" + std::string(101, 'a'), 501},
      {" AUTH=+0A", 501},     {" FOO=bar", 555},
      {" X-=1", 555},         {" -X=1", 501},
      {" SIZE==1", 501},      {"SIZE=1", 501},
  };
  for (const Row& row : bad) {
    CAPTURE(row.params);
    Reply r = refused("MAIL FROM:<a@b.c>" + row.params);
    CHECK(r.code == row.code);
    CHECK(r.enhanced == "5.5.4");
    // Nothing of the client's value is echoed back raw.
    CHECK(r.wire().find('\n') == r.wire().size() - 1);
  }
}

TEST_CASE("RCPT parameters") {
  Command c = ok("RCPT TO:<a@b.c> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bb@b.c");
  CHECK(c.rcpt.has_notify);
  CHECK(c.rcpt.notify == (kNotifySuccess | kNotifyFailure));
  CHECK(c.rcpt.orcpt_type == "rfc822");
  CHECK(c.rcpt.orcpt_address == "a+b@b.c");
  Command never = ok("RCPT TO:<a@b.c> NOTIFY=NEVER");
  CHECK(never.rcpt.has_notify);
  CHECK(never.rcpt.notify == 0u);
  for (std::string p :
       {" NOTIFY=NEVER,SUCCESS", " NOTIFY=", " NOTIFY=SUCCESS,SUCCESS", " NOTIFY=sometimes",
        " ORCPT=a@b", " ORCPT=;a@b", " ORCPT=rfc822;", " ORCPT=rfc822;a+0D+0Ab", " SIZE=10"}) {
    CAPTURE(p);
    Reply r = refused("RCPT TO:<a@b.c>" + p);
    CHECK((r.code == 501 || r.code == 555));
  }
}

TEST_CASE("xtext round trip") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  auto enc = encode_xtext(all);
  auto dec = decode_xtext(enc);
  REQUIRE(dec);
  CHECK(*dec == all);
  CHECK_FALSE(decode_xtext("a=b"));
  CHECK_FALSE(decode_xtext("a b"));
  CHECK_FALSE(decode_xtext("+4"));
  CHECK_FALSE(decode_xtext("+zz"));
  CHECK(decode_xtext("") == std::string());
}

TEST_CASE("AUTH command") {
  Command c = ok("AUTH plain AGEAYg==");
  CHECK(c.arg == "PLAIN");
  CHECK(c.has_initial_response);
  CHECK(c.initial_response == "AGEAYg==");
  Command l = ok("AUTH LOGIN");
  CHECK_FALSE(l.has_initial_response);
  CHECK(ok("AUTH PLAIN =").initial_response == "=");
  CHECK(refused("AUTH").code == 501);
  CHECK(refused("AUTH PLAIN a b").code == 501);
  CHECK(refused("AUTH PL@IN").code == 501);
}
