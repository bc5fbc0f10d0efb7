// The shared login service: outcomes, identity, failure delay and POP-before-SMTP bookkeeping.
#include <doctest/doctest.h>

#include "login/login.h"

using tegami::config::Config;
using tegami::config::Protocol;
using tegami::login::LoginOutcome;
using tegami::login::LoginRequest;
using tegami::login::LoginService;

namespace {

Config make_config() {
  Config c;
  c.server.mail_root = "/srv/mail";
  tegami::config::Plan basic;
  basic.name = "basic";
  basic.protocols = {Protocol::kImap, Protocol::kSmtp, Protocol::kSubmission};
  tegami::config::Plan secure;
  secure.name = "secure";
  secure.quota_policy = tegami::config::QuotaPolicy::kStrict;
  secure.protocols = {Protocol::kImap, Protocol::kPop3, Protocol::kSmtp, Protocol::kSubmission};
  c.plans = {basic, secure};
  tegami::config::Domain d;
  d.name = "example.com";
  d.plan = "secure";
  d.uidl_format = tegami::config::UidlFormat::kCourier;
  tegami::config::Account alice;
  alice.local_part = "alice";
  alice.password_hash = "{PLAIN}Secret-1";
  alice.quota_mb = 50;
  tegami::config::Account off = alice;
  off.local_part = "off";
  off.enabled = false;
  d.accounts = {alice, off};
  tegami::config::Domain b;
  b.name = "basic.test";
  b.plan = "basic";
  tegami::config::Account bob = alice;
  bob.local_part = "bob";
  b.accounts = {bob};
  c.domains = {d, b};
  c.auth.pop_before_smtp = true;
  return c;
}

LoginRequest request(std::string user, std::string pw) {
  LoginRequest r;
  r.protocol = Protocol::kPop3;
  r.username = std::move(user);
  r.password = std::move(pw);
  r.method = "USER";
  r.remote_ip = "192.0.2.7";
  r.local_ip = "192.0.2.1";
  r.tls = true;
  return r;
}

}  // namespace

TEST_CASE("right password gives the identity with quota in bytes, policy and UIDL format") {
  Config c = make_config();
  LoginService s;
  auto r = s.login_sync(c, request("Alice@Example.COM", "Secret-1"));
  REQUIRE(r.outcome == LoginOutcome::kOk);
  CHECK(r.identity.address == "alice@example.com");
  CHECK(r.identity.domain == "example.com");
  CHECK(r.identity.account == "alice");
  CHECK(r.identity.maildir_path == "/srv/mail/example.com/alice");
  CHECK(r.identity.quota_bytes == 50ull * 1048576);
  CHECK(r.identity.quota_policy == tegami::config::QuotaPolicy::kStrict);
  CHECK(r.identity.uidl_format == tegami::config::UidlFormat::kCourier);
  CHECK(r.delay.count() == 0);
}

TEST_CASE("wrong password and unknown user look the same and get the growing delay") {
  Config c = make_config();
  LoginService s;
  auto t = LoginService::Clock::now();
  auto a = s.login_sync(c, request("alice@example.com", "secret-1"), t);  // case-sensitive
  auto b = s.login_sync(c, request("nobody@example.com", "Secret-1"), t);
  CHECK(a.outcome == LoginOutcome::kFailed);
  CHECK(b.outcome == LoginOutcome::kFailed);
  CHECK(a.delay.count() == 2000);
  CHECK(b.delay.count() == 4000);
  CHECK(a.identity.address.empty());
  // A success forgets the IP's failures.
  CHECK(s.login_sync(c, request("alice@example.com", "Secret-1"), t).outcome == LoginOutcome::kOk);
  CHECK(s.failure_delay().failures("192.0.2.7", t) == 0);
}

TEST_CASE("plaintext before TLS is refused without a lookup where the listener forbids it") {
  Config c = make_config();
  LoginService s;
  auto r = request("alice@example.com", "Secret-1");
  r.tls = false;
  CHECK(s.login_sync(c, r).outcome == LoginOutcome::kPlaintextRefused);
  r.allow_plaintext_auth = true;
  CHECK(s.login_sync(c, r).outcome == LoginOutcome::kOk);
}

TEST_CASE("disabled account and protocol outside the plan are distinct outcomes") {
  Config c = make_config();
  LoginService s;
  CHECK(s.login_sync(c, request("off@example.com", "Secret-1")).outcome == LoginOutcome::kDisabled);
  CHECK(s.login_sync(c, request("off@example.com", "wrong")).outcome == LoginOutcome::kFailed);
  auto r = s.login_sync(c, request("bob@basic.test", "Secret-1"));
  CHECK(r.outcome == LoginOutcome::kProtocolRefused);
  auto imap = request("bob@basic.test", "Secret-1");
  imap.protocol = Protocol::kImap;
  CHECK(s.login_sync(c, imap).outcome == LoginOutcome::kOk);
}

TEST_CASE("POP-before-SMTP records the address of a POP3 login when enabled") {
  Config c = make_config();
  LoginService s;
  auto t = LoginService::Clock::now();
  CHECK_FALSE(s.pop_before_smtp().may_relay("192.0.2.7", t));
  REQUIRE(s.login_sync(c, request("alice@example.com", "Secret-1"), t).outcome ==
          LoginOutcome::kOk);
  CHECK(s.pop_before_smtp().may_relay("192.0.2.7", t));
  c.auth.pop_before_smtp = false;
  auto other = request("alice@example.com", "Secret-1");
  other.remote_ip = "192.0.2.99";
  REQUIRE(s.login_sync(c, other, t).outcome == LoginOutcome::kOk);
  CHECK_FALSE(s.pop_before_smtp().may_relay("192.0.2.99", t));
}
