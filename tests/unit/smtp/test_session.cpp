// The SMTP session over a FakeConnection: EHLO, relay refusal, delivery, framing attacks,
// STARTTLS reset, pipelining, error and recipient limits.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../delivery/config_fixture.h"
#include "net/fake_connection.h"
#include "smtp/session.h"
#include "temp_dir.h"

using namespace tegami_smtp;
namespace fs = std::filesystem;

namespace {

struct Rig {
  TempDir tmp;
  std::shared_ptr<tegami::config::Config> config;
  net::FakeConnection c{net::ListenerInfo{"smtp", "smtp", net::TlsMode::kStartTls}};
  std::unique_ptr<Session> s;

  explicit Rig(unsigned max_rcpts = 1000) {
    config = std::make_shared<tegami::config::Config>(make_config(tmp.path()));
    config->limits.max_recipients = max_rcpts;
    config->limits.max_message_size = 1000;
    s = std::make_unique<Session>(config, SessionSettings{});
    s->on_open(c);
  }
  // Feeds bytes and runs worker jobs until the session has answered everything.
  std::string talk(std::string_view bytes) {
    c.feed(*s, bytes);
    for (int i = 0; i < 100 && c.paused(); ++i) {
      c.run_pending_work();
      c.deliver(*s);
    }
    return c.take_output();
  }
  std::vector<std::string> inbox(const std::string& domain, const std::string& user) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e :
         fs::directory_iterator(tmp.path() + "/" + domain + "/" + user + "/new", ec)) {
      std::ifstream f(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }
};

}  // namespace

TEST_CASE("greeting and EHLO keywords") {
  Rig r;
  CHECK(r.c.take_output() == "220 mx.example.jp ESMTP tegami\r\n");
  std::string ehlo = r.talk("EHLO client.example\r\n");
  CHECK(ehlo ==
        "250-mx.example.jp\r\n250-SIZE 1000\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
        "250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-DSN\r\n250 STARTTLS\r\n");
  CHECK(ehlo.find("AUTH") == std::string::npos);  // port 25 offers no AUTH
}

TEST_CASE("local delivery: 250 only with the file in the Maildir, byte-exact after headers") {
  Rig r;
  r.c.take_output();
  std::string out = r.talk("EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\n");
  CHECK(out.find("250 2.1.0") != std::string::npos);
  CHECK(r.talk("RCPT TO:<bob@example.jp>\r\n") == "250 2.1.5 Ok\r\n");
  CHECK(r.talk("DATA\r\n") == "354 End data with <CR><LF>.<CR><LF>\r\n");
  std::string done = r.talk("Subject: t\r\n\r\n..dot\r\nend\r\n.\r\n");
  CHECK(done.rfind("250 2.0.0", 0) == 0);
  auto mails = r.inbox("example.jp", "bob");
  REQUIRE(mails.size() == 1);
  const std::string& m = mails[0];
  CHECK(m.rfind("Return-Path: <s@remote.example>\nDelivered-To: bob@example.jp\nReceived: from "
                "c.example ([192.0.2.7])\n",
                0) == 0);
  CHECK(m.find("for <bob@example.jp>;") != std::string::npos);
  CHECK(m.ends_with("Subject: t\n\n.dot\nend\n"));
}

TEST_CASE("relay tricks and other domains are refused on port 25; unknown user 550 5.1.1") {
  Rig r;
  r.talk("EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\n");
  CHECK(r.talk("RCPT TO:<victim@elsewhere.example>\r\n") == "554 5.7.1 Relay access denied\r\n");
  CHECK(r.talk("RCPT TO:<victim%elsewhere.example@example.jp>\r\n").rfind("554 5.7.1", 0) == 0);
  CHECK(r.talk("RCPT TO:<@example.jp:victim@elsewhere.example>\r\n").rfind("554 5.7.1", 0) == 0);
  CHECK(r.talk("RCPT TO:<nobody@example.jp>\r\n").rfind("550 5.1.1", 0) == 0);
  CHECK(r.talk("DATA\r\n").rfind("554 5.5.1", 0) == 0);
}

TEST_CASE("smuggling: a bare-LF end-of-data never ends the message, the whole is refused") {
  Rig r;
  r.talk("EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<bob@example.jp>\r\nDATA\r\n");
  std::string out = r.talk(
      "Subject: a\r\n\r\nx\n.\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<alice@example.jp>\r\n"
      "DATA\r\n\r\nsmuggled\r\n.\r\n");
  CHECK(out == "550 5.6.11 Bare CR or LF in message; refused (use CRLF)\r\n");
  CHECK(r.inbox("example.jp", "bob").empty());
  CHECK(r.inbox("example.jp", "alice").empty());
}

TEST_CASE("STARTTLS resets the session and discards injected plaintext") {
  Rig r;
  r.talk("EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\n");
  // The injection: commands pipelined behind STARTTLS in the same plaintext packet.
  std::string out = r.talk("STARTTLS\r\nRCPT TO:<bob@example.jp>\r\n");
  CHECK(out == "220 2.0.0 Ready to start TLS\r\n");
  r.s->on_tls_ready(r.c);
  // After TLS: no EHLO yet, no transaction from before.
  CHECK(r.talk("MAIL FROM:<s@remote.example>\r\n").rfind("503 5.5.1", 0) == 0);
  std::string ehlo = r.talk("EHLO c.example\r\n");
  CHECK(ehlo.find("STARTTLS") == std::string::npos);
  CHECK(r.talk("RCPT TO:<bob@example.jp>\r\n").rfind("503 5.5.1", 0) == 0);
}

TEST_CASE("pipelining answers in order; data before 354 is a synchronization error") {
  Rig r;
  std::string out = r.talk(
      "EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<bob@example.jp>\r\n"
      "RCPT TO:<nobody@example.jp>\r\nRCPT TO:<alice@example.jp>\r\nDATA\r\n");
  size_t a = out.find("250 2.1.0"), b = out.find("250 2.1.5"), n = out.find("550 5.1.1"),
         d = out.find("354 ");
  CHECK(a < b);
  CHECK(b < n);
  CHECK(n < d);
  CHECK(d != std::string::npos);
  CHECK(r.talk("x\r\n.\r\n").rfind("250 2.0.0", 0) == 0);
  CHECK(r.inbox("example.jp", "alice").size() == 1);

  Rig early;
  std::string sync = early.talk(
      "EHLO c.example\r\nMAIL FROM:<s@r.example>\r\nRCPT "
      "TO:<bob@example.jp>\r\nDATA\r\nhi\r\n.\r\n");
  CHECK(sync.find("554 5.5.0") != std::string::npos);
  CAPTURE(sync);
  CHECK(sync.find("\r\n354 ") == std::string::npos);
  CHECK(early.c.closing());
  CHECK(early.inbox("example.jp", "bob").empty());
}

TEST_CASE("too many errors: 421 and close") {
  Rig r;
  r.c.take_output();
  std::string out;
  for (int i = 0; i < 11; ++i) out += r.talk("BOGUS\r\n");
  CHECK(out.find("421 4.7.0") != std::string::npos);
  CHECK(r.c.closing());
}

TEST_CASE("recipient limit: 452 4.5.3") {
  Rig r(2);
  r.talk("EHLO c.example\r\nMAIL FROM:<s@r.example>\r\n");
  CHECK(r.talk("RCPT TO:<bob@example.jp>\r\n").rfind("250", 0) == 0);
  CHECK(r.talk("RCPT TO:<alice@example.jp>\r\n").rfind("250", 0) == 0);
  CHECK(r.talk("RCPT TO:<carol@strict.example>\r\n") == "452 4.5.3 Too many recipients\r\n");
}

TEST_CASE("size: SIZE= over the limit at MAIL, a longer body at the end of DATA") {
  Rig r;
  r.talk("EHLO c.example\r\n");
  CHECK(r.talk("MAIL FROM:<s@r.example> SIZE=1001\r\n").rfind("552 5.3.4", 0) == 0);
  r.talk("MAIL FROM:<s@r.example> SIZE=1000\r\nRCPT TO:<bob@example.jp>\r\nDATA\r\n");
  CHECK(r.talk(std::string(1001, 'a') + "\r\n.\r\n").rfind("552 5.3.4", 0) == 0);
  CHECK(r.inbox("example.jp", "bob").empty());
  r.talk("MAIL FROM:<s@r.example>\r\nRCPT TO:<bob@example.jp>\r\nDATA\r\n");
  CHECK(r.talk(std::string(998, 'a') + "\r\n.\r\n").rfind("250 2.0.0", 0) == 0);  // exactly 1000
}

TEST_CASE("loop detection: more than 50 Received headers is 554 5.4.6") {
  Rig r;
  r.config->limits.max_message_size = 0;
  r.talk("EHLO c.example\r\nMAIL FROM:<s@r.example>\r\nRCPT TO:<bob@example.jp>\r\nDATA\r\n");
  std::string msg;
  for (int i = 0; i < 51; ++i) msg += "Received: from hop\r\n";
  CHECK(r.talk(msg + "\r\nbody\r\n.\r\n").rfind("554 5.4.6", 0) == 0);
  CHECK(r.inbox("example.jp", "bob").empty());
}

TEST_CASE("over quota at RCPT: 552 5.2.2") {
  Rig r;
  r.config->limits.max_message_size = 0;
  r.talk("EHLO c.example\r\nMAIL FROM:<s@r.example>\r\nRCPT TO:<alice@example.jp>\r\nDATA\r\n");
  std::string big = "Subject: big\r\n\r\n" + std::string(1100000, 'x') + "\r\n.\r\n";
  CHECK(r.talk(big).rfind("250 2.0.0", 0) == 0);  // under quota: takes one more (overshoot)
  r.talk("MAIL FROM:<s@r.example>\r\n");
  CHECK(r.talk("RCPT TO:<alice@example.jp>\r\n") == "552 5.2.2 Mailbox full\r\n");
}

namespace {

// A Submission session (587, STARTTLS) whose TLS is already active; alice@example.jp has the
// password "secret" and the alias a.k.
struct SubmissionRig {
  TempDir tmp;
  std::shared_ptr<tegami::config::Config> config;
  net::FakeConnection c{net::ListenerInfo{"submission", "submission", net::TlsMode::kStartTls}};
  std::unique_ptr<Session> s;

  SubmissionRig() {
    config = std::make_shared<tegami::config::Config>(make_config(tmp.path()));
    for (auto& plan : config->plans) plan.protocols = {tegami::config::Protocol::kSubmission};
    config->domains[0].accounts[0].password_hash = "{PLAIN}secret";
    config->limits.auth_failure_delay = std::chrono::milliseconds(1);
    config->limits.auth_failure_delay_max = std::chrono::milliseconds(1);
    SessionSettings st;
    st.submission = true;
    s = std::make_unique<Session>(config, st);
    c.set_tls_active(true);
    s->on_open(c);
    c.take_output();
  }
  std::string talk(std::string_view bytes) {
    c.feed(*s, bytes);
    for (int i = 0; i < 100 && c.paused(); ++i) {
      c.run_pending_work();
      c.fire_timers(std::chrono::seconds(30));
      c.deliver(*s);
    }
    return c.take_output();
  }
};

}  // namespace

TEST_CASE("submission: AUTH required before MAIL, PLAIN and LOGIN, sender ownership") {
  SubmissionRig r;
  std::string ehlo = r.talk("EHLO c.example\r\n");
  CAPTURE(ehlo);
  CHECK(ehlo.find("AUTH PLAIN LOGIN\r\n") != std::string::npos);
  CHECK(r.talk("MAIL FROM:<alice@example.jp>\r\n").rfind("530 5.7.0", 0) == 0);
  // "\0alice@example.jp\0wrong" and then the right password.
  CHECK(r.talk("AUTH PLAIN AGFsaWNlQGV4YW1wbGUuanAAd3Jvbmc=\r\n").rfind("535 5.7.8", 0) == 0);
  CHECK(r.talk("AUTH LOGIN\r\n") == "334 VXNlcm5hbWU6\r\n");
  CHECK(r.talk("YWxpY2VAZXhhbXBsZS5qcA==\r\n") == "334 UGFzc3dvcmQ6\r\n");
  CHECK(r.talk("c2VjcmV0\r\n").rfind("235 2.7.0", 0) == 0);
  std::string m = r.talk("MAIL FROM:<bob@example.jp>\r\n");
  CAPTURE(m);
  CHECK(m.rfind("553 5.7.1", 0) == 0);
  CHECK(r.talk("MAIL FROM:<bob@example.jp>\r\n").rfind("553 5.7.1", 0) == 0);
  CHECK(r.talk("MAIL FROM:<a.k@example.jp>\r\n").rfind("250", 0) == 0);  // her alias
  // Remote recipients: no queue yet, a temporary error, never a false 250.
  CHECK(r.talk("RCPT TO:<x@elsewhere.example>\r\n").rfind("451 4.3.2", 0) == 0);
  CHECK(r.talk("RCPT TO:<bob@example.jp>\r\nDATA\r\n").find("354") != std::string::npos);
  CHECK(r.talk("Subject: s\r\n\r\nhi\r\n.\r\n").rfind("250 2.0.0", 0) == 0);
}

TEST_CASE("submission: AUTH before TLS is refused unless the listener allows plaintext") {
  SubmissionRig r;
  r.c.set_tls_active(false);
  std::string ehlo = r.talk("EHLO c.example\r\n");
  CHECK(ehlo.find("AUTH") == std::string::npos);
  CHECK(r.talk("AUTH PLAIN AGFsaWNlQGV4YW1wbGUuanAAc2VjcmV0\r\n").rfind("538 5.7.11", 0) == 0);
  CHECK(r.talk("AUTH LOGIN\r\n").rfind("538", 0) == 0);
}

TEST_CASE("submission: cancelled AUTH and bad base64") {
  SubmissionRig r;
  r.talk("EHLO c.example\r\n");
  CHECK(r.talk("AUTH LOGIN\r\n").rfind("334", 0) == 0);
  CHECK(r.talk("*\r\n").rfind("501 5.0.0", 0) == 0);
  CHECK(r.talk("AUTH PLAIN !!!\r\n").rfind("501", 0) == 0);
  CHECK(r.talk("AUTH CRAM-MD5\r\n").rfind("504 5.5.4", 0) == 0);
}

TEST_CASE("POP-before-SMTP: a recent POP3/IMAP login from the IP may relay on port 25") {
  Rig r;
  r.talk("EHLO c.example\r\nMAIL FROM:<s@example.jp>\r\n");
  CHECK(r.talk("RCPT TO:<x@elsewhere.example>\r\n").rfind("554 5.7.1", 0) == 0);
  tegami::login::process_login_service().pop_before_smtp().record_login(
      "192.0.2.7", std::chrono::steady_clock::now());
  // Still refused while the option is off (the default).
  CHECK(r.talk("RCPT TO:<x@elsewhere.example>\r\n").rfind("554 5.7.1", 0) == 0);
  r.config->auth.pop_before_smtp = true;
  // Allowed to relay — and answered with the queue's temporary error until the queue exists.
  CHECK(r.talk("RCPT TO:<x@elsewhere.example>\r\n").rfind("451 4.3.2", 0) == 0);
}

TEST_CASE("greeting_delay: an early talker gets 554 and the close; a patient client the 220") {
  TempDir tmp;
  auto config = std::make_shared<tegami::config::Config>(make_config(tmp.path()));
  SessionSettings st;
  st.greeting_delay = std::chrono::milliseconds(500);
  {
    net::FakeConnection c{net::ListenerInfo{"smtp", "smtp", net::TlsMode::kNone}};
    Session s(config, st);
    s.on_open(c);
    CHECK(c.take_output().empty());  // nothing before the delay
    c.feed(s, "EHLO bot.example\r\nMAIL FROM:<x@bot.example>\r\n");
    std::string out = c.take_output();
    CHECK(out.rfind("554 5.5.0 ", 0) == 0);
    CHECK(out.find("220") == std::string::npos);
    CHECK(c.closing());
    c.fire_timers(std::chrono::milliseconds(600));
    CHECK(c.take_output().empty());  // never greeted afterwards
  }
  {
    net::FakeConnection c{net::ListenerInfo{"smtp", "smtp", net::TlsMode::kNone}};
    Session s(config, st);
    s.on_open(c);
    c.fire_timers(std::chrono::milliseconds(400));
    CHECK(c.take_output().empty());
    c.fire_timers(std::chrono::milliseconds(200));
    CHECK(c.take_output() == "220 mx.example.jp ESMTP tegami\r\n");
    c.feed(s, "EHLO client.example\r\n");
    CHECK(c.take_output().rfind("250-mx.example.jp\r\n", 0) == 0);
  }
}
