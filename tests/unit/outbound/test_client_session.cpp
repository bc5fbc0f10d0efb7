// ClientSession: the conversation with scripted replies — plain, pipelined, STARTTLS, AUTH,
// refusals per recipient, SIZE and 8BITMIME checks, 421, reuse.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "outbound/client_session.h"

using namespace tegami::outbound;

namespace {

Reply ehlo_reply(std::vector<std::string> keywords) {
  Reply r;
  r.code = 250;
  r.lines.push_back("mx.example.org");
  for (auto& k : keywords) r.lines.push_back(k);
  return r;
}

Transaction txn(std::vector<std::string> rcpts, bool eight_bit = false, uint64_t size = 100) {
  Transaction t;
  t.mail_from = "alice@example.com";
  t.recipients = std::move(rcpts);
  t.eight_bit = eight_bit;
  t.size = size;
  return t;
}

// Greeting and EHLO with `keywords`; returns the session ready.
ClientSession ready_session(std::vector<std::string> keywords, SessionSettings st = {}) {
  st.helo_name = "out.example.com";
  ClientSession s(st);
  CHECK(s.on_connected().wait == Phase::kGreeting);
  CHECK(s.on_reply(make_reply(220, "hi")).send == "EHLO out.example.com\r\n");
  s.on_reply(ehlo_reply(std::move(keywords)));
  return s;
}

}  // namespace

TEST_CASE("one recipient without pipelining, then reuse and QUIT") {
  auto s = ready_session({"8BITMIME"});
  REQUIRE(s.ready());
  auto st = s.begin(txn({"bob@example.org"}));
  CHECK(st.send == "MAIL FROM:<alice@example.com>\r\n");
  CHECK(st.wait == Phase::kMail);
  CHECK(s.on_reply(make_reply(250, "ok")).send == "RCPT TO:<bob@example.org>\r\n");
  st = s.on_reply(make_reply(250, "ok"));
  CHECK(st.send == "DATA\r\n");
  CHECK(st.wait == Phase::kDataInit);
  st = s.on_reply(make_reply(354, "go"));
  CHECK(st.send_body);
  CHECK(st.wait == Phase::kDataBlock);
  CHECK(s.on_body_sent().wait == Phase::kDataEnd);
  st = s.on_reply(make_reply(250, "2.0.0 queued as X"));
  REQUIRE(st.result);
  CHECK(st.result->recipients[0].code == 250);
  CHECK(s.ready());
  st = s.begin(txn({"carol@example.org"}));  // connection reuse
  CHECK(st.send == "MAIL FROM:<alice@example.com>\r\n");
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(354, "go"));
  s.on_body_sent();
  CHECK(s.on_reply(make_reply(250, "ok")).result);
  CHECK(s.quit().send == "QUIT\r\n");
  CHECK(s.on_reply(make_reply(221, "bye")).close);
}

TEST_CASE("pipelined group with one recipient refused") {
  auto s = ready_session({"PIPELINING", "SIZE 1000000", "8BITMIME"});
  auto st = s.begin(txn({"a@x.org", "b@x.org"}, true, 4096));
  CHECK(st.send ==
        "MAIL FROM:<alice@example.com> SIZE=4096 BODY=8BITMIME\r\nRCPT TO:<a@x.org>\r\n"
        "RCPT TO:<b@x.org>\r\nDATA\r\n");
  CHECK(s.on_reply(make_reply(250, "ok")).send.empty());
  s.on_reply(make_reply(550, "5.1.1 no such user"));
  s.on_reply(make_reply(250, "ok"));
  st = s.on_reply(make_reply(354, "go"));
  CHECK(st.send_body);
  s.on_body_sent();
  st = s.on_reply(make_reply(250, "ok"));
  REQUIRE(st.result);
  CHECK(st.result->recipients[0].one_line() == "550 5.1.1 no such user");
  CHECK(st.result->recipients[1].code == 250);
  CHECK(s.ready());
}

TEST_CASE("pipelined group with every recipient refused ends with RSET") {
  auto s = ready_session({"PIPELINING"});
  s.begin(txn({"a@x.org"}));
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(450, "4.2.1 mailbox busy"));
  auto st = s.on_reply(make_reply(554, "5.5.1 no valid recipients"));
  REQUIRE(st.result);
  CHECK(st.result->recipients[0].code == 450);
  CHECK(st.send == "RSET\r\n");
  CHECK_FALSE(s.ready());
  s.on_reply(make_reply(250, "ok"));
  CHECK(s.ready());
}

TEST_CASE("MAIL refused applies to every recipient") {
  auto s = ready_session({});
  s.begin(txn({"a@x.org", "b@x.org"}));
  auto st = s.on_reply(make_reply(553, "5.7.1 sender refused"));
  REQUIRE(st.result);
  CHECK(st.result->recipients.size() == 2);
  CHECK(st.result->recipients[1].code == 553);
  CHECK(st.send == "RSET\r\n");
}

TEST_CASE("DATA final refusal and 421 during the transaction") {
  auto s = ready_session({});
  s.begin(txn({"a@x.org"}));
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(354, "go"));
  s.on_body_sent();
  auto st = s.on_reply(make_reply(554, "5.7.1 spam"));
  CHECK(st.result->recipients[0].code == 554);
  CHECK(s.ready());
  s.begin(txn({"a@x.org", "b@x.org"}));
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(550, "5.1.1 unknown"));
  st = s.on_reply(make_reply(421, "4.3.2 shutting down"));
  REQUIRE(st.result);
  REQUIRE(st.failure);
  CHECK(st.close);
  CHECK(st.result->recipients[0].code == 550);  // already refused for good
  CHECK(st.result->recipients[1].code == 421);
  CHECK(s.closed());
}

TEST_CASE("SIZE and 8BITMIME are checked before MAIL") {
  auto s = ready_session({"SIZE 1000"});
  auto st = s.begin(txn({"a@x.org"}, false, 5000));
  REQUIRE(st.result);
  CHECK(st.send.empty());
  CHECK(st.result->recipients[0].code == 552);
  CHECK(s.ready());
  st = s.begin(txn({"a@x.org"}, true, 10));
  REQUIRE(st.result);
  CHECK(st.result->recipients[0].code == 554);
  CHECK(st.result->recipients[0].enhanced() == "5.6.3");
}

TEST_CASE("STARTTLS when offered, EHLO again, then AUTH PLAIN") {
  SessionSettings st;
  st.auth_user = "u";
  st.auth_password = "p";
  st.helo_name = "h";
  ClientSession s(st);
  s.on_connected();
  s.on_reply(make_reply(220, "hi"));
  auto step = s.on_reply(ehlo_reply({"STARTTLS", "AUTH PLAIN"}));
  CHECK(step.send == "STARTTLS\r\n");
  step = s.on_reply(make_reply(220, "go ahead"));
  CHECK(step.start_tls);
  CHECK(s.on_tls_ready().send == "EHLO h\r\n");
  CHECK(s.tls_active());
  step = s.on_reply(ehlo_reply({"STARTTLS", "AUTH PLAIN LOGIN"}));
  CHECK(step.send == "AUTH PLAIN AHUAcA==\r\n");
  s.on_reply(make_reply(235, "ok"));
  CHECK(s.ready());
}

TEST_CASE("AUTH LOGIN, refused AUTH fails the session") {
  SessionSettings st;
  st.auth_user = "u";
  st.auth_password = "p";
  st.tls = TlsPolicy::kNone;
  ClientSession s(st);
  s.on_connected();
  s.on_reply(make_reply(220, "hi"));
  CHECK(s.on_reply(ehlo_reply({"STARTTLS", "AUTH LOGIN"})).send == "AUTH LOGIN\r\n");
  CHECK(s.on_reply(make_reply(334, "VXNlcm5hbWU6")).send == "dQ==\r\n");
  CHECK(s.on_reply(make_reply(334, "UGFzc3dvcmQ6")).send == "cA==\r\n");
  auto step = s.on_reply(make_reply(535, "5.7.8 bad credentials"));
  REQUIRE(step.failure);
  CHECK(step.failure->code == 535);
  CHECK(step.close);
}

TEST_CASE("required TLS not offered, EHLO refused falls back to HELO, bad greeting") {
  SessionSettings st;
  st.tls = TlsPolicy::kRequired;
  ClientSession s(st);
  s.on_connected();
  s.on_reply(make_reply(220, "hi"));
  auto step = s.on_reply(ehlo_reply({}));
  REQUIRE(step.failure);
  CHECK(step.failure->code == 530);

  ClientSession old({});
  old.on_connected();
  old.on_reply(make_reply(220, "hi"));
  CHECK(old.on_reply(make_reply(502, "what")).send == "HELO localhost\r\n");
  old.on_reply(make_reply(250, "ok"));
  CHECK(old.ready());
  CHECK_FALSE(old.capabilities().esmtp);

  ClientSession busy({});
  busy.on_connected();
  step = busy.on_reply(make_reply(554, "no service"));
  REQUIRE(step.failure);
  CHECK(step.failure->code == 554);
}

namespace {

Transaction dsn_txn() {
  Transaction t = txn({"bob@example.org", "carol@example.org"});
  t.ret = "HDRS";
  t.envid = "QQ 314+1=x";
  t.dsn = {RecipientDsn{"SUCCESS,DELAY", "rfc822;Bob+Smith@old.example"},
           RecipientDsn{"NEVER", ""}};
  return t;
}

}  // namespace

TEST_CASE("DSN parameters go to a server that offers DSN (RFC 3461), xtext-encoded") {
  auto s = ready_session({"PIPELINING", "DSN"});
  auto st = s.begin(dsn_txn());
  CHECK(st.send ==
        "MAIL FROM:<alice@example.com> RET=HDRS ENVID=QQ+20314+2B1+3Dx\r\n"
        "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Bob+2BSmith@old.example\r\n"
        "RCPT TO:<carol@example.org> NOTIFY=NEVER\r\nDATA\r\n");
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(354, "go"));
  s.on_body_sent();
  st = s.on_reply(make_reply(250, "ok"));
  REQUIRE(st.result);
  CHECK(st.result->dsn_passed);
}

TEST_CASE("DSN parameters are left out for a server without DSN; without pipelining too") {
  auto s = ready_session({"8BITMIME"});
  auto st = s.begin(dsn_txn());
  CHECK(st.send == "MAIL FROM:<alice@example.com>\r\n");
  CHECK(s.on_reply(make_reply(250, "ok")).send == "RCPT TO:<bob@example.org>\r\n");
  CHECK(s.on_reply(make_reply(250, "ok")).send == "RCPT TO:<carol@example.org>\r\n");
  s.on_reply(make_reply(250, "ok"));
  s.on_reply(make_reply(354, "go"));
  s.on_body_sent();
  st = s.on_reply(make_reply(250, "ok"));
  REQUIRE(st.result);
  CHECK_FALSE(st.result->dsn_passed);

  // One-by-one RCPT with DSN offered carries the parameters as well.
  auto d = ready_session({"DSN"});
  d.begin(dsn_txn());
  CHECK(d.on_reply(make_reply(250, "ok")).send ==
        "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Bob+2BSmith@old.example\r\n");
  CHECK(d.on_reply(make_reply(250, "ok")).send == "RCPT TO:<carol@example.org> NOTIFY=NEVER\r\n");
}

TEST_CASE("SMTPUTF8 is passed on when offered, refused locally when needed and not offered") {
  {
    auto s = ready_session({"8BITMIME", "SMTPUTF8"});
    Transaction t = txn({"josé@example.org"}, true);
    t.utf8 = Utf8Need::kAddress;
    CHECK(s.begin(t).send == "MAIL FROM:<alice@example.com> BODY=8BITMIME SMTPUTF8\r\n");
  }
  {
    auto s = ready_session({"SMTPUTF8"});
    Transaction t = txn({"bob@example.org"});
    t.utf8 = Utf8Need::kAsked;
    CHECK(s.begin(t).send == "MAIL FROM:<alice@example.com> SMTPUTF8\r\n");
  }
  {
    auto s = ready_session({"8BITMIME"});
    Transaction t = txn({"bob@example.org"});
    t.utf8 = Utf8Need::kAsked;  // nothing needs it: sent without
    CHECK(s.begin(t).send == "MAIL FROM:<alice@example.com>\r\n");
  }
  {
    auto s = ready_session({"8BITMIME", "PIPELINING"});
    Transaction t = txn({"josé@example.org", "bob@example.org"}, true);
    t.utf8 = Utf8Need::kAddress;
    auto st = s.begin(t);
    CHECK(st.send.empty());
    REQUIRE(st.result);
    REQUIRE(st.result->recipients.size() == 2);
    CHECK(st.result->recipients[0].code == 553);
    CHECK(st.result->recipients[1].code == 553);
    CHECK(st.result->recipients[0].one_line().find("5.6.7") != std::string::npos);
    CHECK(s.ready());
  }
  {
    auto s = ready_session({"8BITMIME"});
    Transaction t = txn({"bob@example.org"}, true);
    t.utf8 = Utf8Need::kHeaders;
    auto st = s.begin(t);
    REQUIRE(st.result);
    CHECK(st.result->recipients[0].code == 554);
    CHECK(st.result->recipients[0].one_line().find("5.6.9") != std::string::npos);
    CHECK_FALSE(st.result->dsn_passed);
  }
}
