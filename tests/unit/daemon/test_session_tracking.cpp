// Every connection is a session in the registry (who), and kick closes it on its own loop
// thread with the protocol's goodbye.
#include <doctest/doctest.h>

#include <functional>
#include <thread>
#include <vector>

#include "control/session_registry.h"
#include "daemon/session_tracking.h"
#include "net/fake_connection.h"

using namespace tegami;

namespace {
struct Events {
  std::vector<std::string> seen;
};

class Recorder : public net::Handler {
 public:
  explicit Recorder(Events& e) : e_(e) {}
  void on_open(net::Connection& c) override {
    e_.seen.push_back("open");
    c.send(std::string_view("hello\r\n"));
  }
  size_t on_input(net::Connection&, std::string_view d) override { return d.size(); }
  void on_limit(net::Connection&, net::LimitKind) override {}
  void on_timeout(net::Connection&, net::TimeoutKind) override {}
  void on_shutdown(net::Connection& c) override {
    e_.seen.push_back("shutdown");
    c.send(std::string_view("* BYE kicked\r\n"));
  }
  void on_close(net::Connection&, net::CloseReason) override { e_.seen.push_back("close"); }

 private:
  Events& e_;
};
}  // namespace

TEST_CASE("a tracked connection is listed from creation to close, with login and TLS state") {
  control::SessionRegistry registry;
  Events events;
  std::vector<std::function<void()>> posted;
  net::HandlerFactory factory = daemon::tracked_factory(
      [&](net::Connection&) { return std::make_unique<Recorder>(events); }, registry,
      [&](std::function<void()> fn) { posted.push_back(std::move(fn)); });
  net::FakeConnection c(net::ListenerInfo{"imaps", "imap", net::TlsMode::kImplicit});
  c.set_tls_active(true);
  auto h = factory(c);
  REQUIRE(registry.size() == 1);
  control::SessionInfo s = registry.list()[0];
  CHECK(s.id == c.id());
  CHECK(s.protocol == "imap");
  CHECK(s.listener == "imaps");
  CHECK(s.client == "192.0.2.7:40000");
  CHECK(s.user.empty());
  h->on_open(c);
  CHECK(registry.list()[0].tls);
  CHECK(c.take_output() == "hello\r\n");
  // The protocol layer records the login by connection id.
  CHECK(registry.set_user(c.id(), "alice@example.test"));
  CHECK(registry.list()[0].user == "alice@example.test");
  h->on_close(c, net::CloseReason::kPeerClosed);
  CHECK(registry.size() == 0);
  CHECK_FALSE(registry.set_user(c.id(), "x"));
  CHECK(events.seen == std::vector<std::string>{"open", "close"});
}

TEST_CASE("kick posts to the loops; only the owning loop says goodbye and closes") {
  control::SessionRegistry registry;
  Events events;
  std::vector<std::function<void()>> posted;
  net::HandlerFactory factory = daemon::tracked_factory(
      [&](net::Connection&) { return std::make_unique<Recorder>(events); }, registry,
      [&](std::function<void()> fn) { posted.push_back(std::move(fn)); });
  net::FakeConnection c;
  auto h = factory(c);
  h->on_open(c);
  c.take_output();
  registry.set_user(c.id(), "bob@example.test");
  CHECK(registry.kick("carol@example.test") == 0);
  CHECK(posted.empty());
  CHECK(registry.kick("BOB@example.test") == 1);
  REQUIRE(posted.size() == 1);
  // Another loop thread running the posted function does nothing.
  std::thread other([&] { posted[0](); });
  other.join();
  CHECK_FALSE(c.closing());
  // The owning loop (this thread made the handler) says goodbye and closes.
  posted[0]();
  CHECK(c.closing());
  CHECK(c.take_output() == "* BYE kicked\r\n");
  h->on_close(c, net::CloseReason::kHandler);
  // A late duplicate after close is harmless.
  posted[0]();
  CHECK(events.seen == std::vector<std::string>{"open", "shutdown", "close"});
  CHECK(registry.size() == 0);
}
