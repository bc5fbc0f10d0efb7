// The POP3 session driven through net::FakeConnection: STLS discards pipelined plaintext,
// plaintext policy, bad-command limits, login → STAT/RETR/DELE/QUIT, [IN-USE], RSET.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "net/fake_connection.h"
#include "pop3/session.h"
#include "temp_dir.h"

using tegami::pop3::make_session;
using tegami::pop3::SessionOptions;

namespace {

std::shared_ptr<const tegami::config::Config> make_config(const std::string& root) {
  auto c = std::make_shared<tegami::config::Config>();
  c->server.hostname = "mail.test";
  c->server.mail_root = root;
  tegami::config::Plan plan;
  plan.name = "standard";
  plan.protocols = {tegami::config::Protocol::kPop3};
  c->plans = {plan};
  tegami::config::Domain d;
  d.name = "example.com";
  d.plan = "standard";
  tegami::config::Account a;
  a.local_part = "alice";
  a.password_hash = "{PLAIN}pw";
  a.quota_mb = 10;
  d.accounts = {a};
  c->domains = {d};
  c->limits.auth_failure_delay = std::chrono::milliseconds(10);
  return c;
}

void put(const std::string& maildir, const std::string& name, const std::string& body) {
  for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
    std::filesystem::create_directories(maildir + sub);
  }
  std::ofstream(maildir + "/new/" + name, std::ios::binary) << body;
}

net::FakeConnection starttls_connection() {
  return net::FakeConnection(net::ListenerInfo{"pop3", "pop3", net::TlsMode::kStartTls});
}

// Feeds, runs blocking work and timers until the handler is idle again.
std::string exchange(net::FakeConnection& c, net::Handler& h, std::string_view in) {
  c.feed(h, in);
  for (int i = 0; i < 10 && c.paused(); ++i) {
    c.run_pending_work();
    c.fire_timers(std::chrono::seconds(20));
    c.run_pending_work();
    c.deliver(h);
  }
  return c.take_output();
}

}  // namespace

TEST_CASE("stls_discards_pipelined_plaintext") {
  TempDir dir;
  auto c = starttls_connection();
  SessionOptions o;
  o.starttls_offered = true;
  auto h = make_session(make_config(dir.path()), o);
  h->on_open(c);
  c.take_output();
  c.feed(*h, "STLS\r\nCAPA\r\n");
  CHECK(c.take_output() == "+OK Begin TLS negotiation now.\r\n");
  CHECK(c.tls_requested());
  h->on_tls_ready(c);
  c.feed(*h, "NOOP\r\n");
  CHECK(c.take_output().rfind("-ERR Not logged in", 0) == 0);
}

TEST_CASE("USER before TLS without allow_plaintext_auth gets [AUTH]") {
  TempDir dir;
  auto c = starttls_connection();
  SessionOptions o;
  o.starttls_offered = true;
  auto h = make_session(make_config(dir.path()), o);
  h->on_open(c);
  c.take_output();
  CHECK(exchange(c, *h, "USER alice@example.com\r\n").rfind("-ERR [AUTH] Plaintext", 0) == 0);
  CHECK(exchange(c, *h, "AUTH PLAIN\r\n").rfind("-ERR [AUTH] Plaintext", 0) == 0);
}

TEST_CASE("three bad commands before login close the session") {
  TempDir dir;
  auto c = starttls_connection();
  auto h = make_session(make_config(dir.path()), SessionOptions{});
  h->on_open(c);
  c.take_output();
  exchange(c, *h, "FOO\r\nBAR\r\n");
  CHECK_FALSE(c.closing());
  std::string out = exchange(c, *h, "BAZ\r\n");
  CHECK(out.find("Too many bad commands") != std::string::npos);
  CHECK(c.closing());
}

TEST_CASE("login, STAT, RETR, DELE, RSET, DELE, QUIT expunges; a second session gets IN-USE") {
  TempDir dir;
  std::string maildir = dir.path() + "/example.com/alice";
  put(maildir, "1.M1.test", "Subject: a\n\n.x\n");
  put(maildir, "2.M2.test", "Subject: b\n\nbody\n");
  auto cfg = make_config(dir.path());
  SessionOptions o;
  o.allow_plaintext_auth = true;

  auto c = starttls_connection();
  auto h = make_session(cfg, o);
  h->on_open(c);
  c.take_output();
  CHECK(exchange(c, *h, "USER alice@example.com\r\n") == "+OK\r\n");
  CHECK(exchange(c, *h, "PASS pw\r\n") == "+OK Logged in.\r\n");
  CHECK(c.authenticated());
  CHECK(exchange(c, *h, "STAT\r\n") == "+OK 2 38\r\n");
  CHECK(exchange(c, *h, "RETR 1\r\n") == "+OK 18 octets\r\nSubject: a\r\n\r\n..x\r\n.\r\n");

  auto c2 = starttls_connection();
  auto h2 = make_session(cfg, o);
  h2->on_open(c2);
  exchange(c2, *h2, "USER alice@example.com\r\n");
  CHECK(exchange(c2, *h2, "PASS pw\r\n").rfind("-ERR [IN-USE]", 0) == 0);

  CHECK(exchange(c, *h, "DELE 2\r\n") == "+OK Marked to be deleted.\r\n");
  CHECK(exchange(c, *h, "RETR 2\r\n") == "-ERR Message is deleted.\r\n");
  CHECK(exchange(c, *h, "RSET\r\n") == "+OK\r\n");
  CHECK(exchange(c, *h, "LIST\r\n") == "+OK\r\n1 18\r\n2 20\r\n.\r\n");
  exchange(c, *h, "DELE 2\r\n");
  CHECK(exchange(c, *h, "QUIT\r\n") == "+OK Logging out, messages deleted.\r\n");
  h->on_close(c, net::CloseReason::kHandler);
  h.reset();

  size_t files = 0;
  for (const char* sub : {"/new", "/cur"}) {
    for (auto& e : std::filesystem::directory_iterator(maildir + sub)) {
      ++files;
      // RETR 1 marked it \Seen at QUIT.
      CHECK(e.path().filename().string().find(":2,S") != std::string::npos);
    }
  }
  CHECK(files == 1);
  // The lock went with the session: a new login works.
  auto c3 = starttls_connection();
  auto h3 = make_session(cfg, o);
  h3->on_open(c3);
  exchange(c3, *h3, "USER alice@example.com\r\n");
  CHECK(exchange(c3, *h3, "PASS pw\r\n") == "+OK Logged in.\r\n");
  CHECK(exchange(c3, *h3, "STAT\r\n") == "+OK 1 18\r\n");
  h3->on_close(c3, net::CloseReason::kPeerClosed);
}

TEST_CASE("a wrong password gets [AUTH] after the delay") {
  TempDir dir;
  auto c = starttls_connection();
  SessionOptions o;
  o.allow_plaintext_auth = true;
  auto h = make_session(make_config(dir.path()), o);
  h->on_open(c);
  c.take_output();
  exchange(c, *h, "USER alice@example.com\r\n");
  CHECK(exchange(c, *h, "PASS PW\r\n") == "-ERR [AUTH] Authentication failed.\r\n");
  CHECK_FALSE(c.authenticated());
}
