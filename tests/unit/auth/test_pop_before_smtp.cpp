// POP-before-SMTP registry with an injected clock.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "auth/pop_before_smtp.h"

using tegami_auth::PopBeforeSmtp;
using namespace std::chrono_literals;
using Clock = PopBeforeSmtp::Clock;

TEST_CASE("an address may relay within the window after a login, not before or after") {
  PopBeforeSmtp r(600s);
  Clock::time_point t{};
  CHECK_FALSE(r.may_relay("192.0.2.5", t));
  r.record_login("192.0.2.5", t);
  CHECK(r.may_relay("192.0.2.5", t));
  CHECK(r.may_relay("192.0.2.5", t + 600s));
  CHECK_FALSE(r.may_relay("192.0.2.6", t));
  CHECK_FALSE(r.may_relay("192.0.2.5", t + 601s));
  CHECK(r.size() == 0);  // the expired entry was dropped
}

TEST_CASE("a new login extends the window") {
  PopBeforeSmtp r(60s);
  Clock::time_point t{};
  r.record_login("a", t);
  r.record_login("a", t + 50s);
  CHECK(r.may_relay("a", t + 100s));
  CHECK_FALSE(r.may_relay("a", t + 111s));
}

TEST_CASE("expired entries are pruned and the table is bounded") {
  PopBeforeSmtp r(60s, 10);
  Clock::time_point t{};
  for (int i = 0; i < 5; ++i) r.record_login("old" + std::to_string(i), t);
  r.record_login("new", t + 61s);
  CHECK(r.size() == 1);
  for (int i = 0; i < 100; ++i) r.record_login("n" + std::to_string(i), t + 62s);
  CHECK(r.size() == 10);
  CHECK(r.may_relay("n99", t + 62s));
  CHECK_FALSE(r.may_relay("n0", t + 62s));  // evicted, least recently logged in
}

TEST_CASE("the window can change on reload") {
  PopBeforeSmtp r(600s);
  Clock::time_point t{};
  r.record_login("a", t);
  r.set_window(10s);
  CHECK_FALSE(r.may_relay("a", t + 11s));
}

TEST_CASE("thread-safe under concurrent logins and queries") {
  PopBeforeSmtp r(600s, 1000);
  Clock::time_point t{};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 2000; ++i) {
        std::string ip = std::to_string(k) + "." + std::to_string(i % 300);
        r.record_login(ip, t);
        (void)r.may_relay(ip, t);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(r.size() == 1000);
}
