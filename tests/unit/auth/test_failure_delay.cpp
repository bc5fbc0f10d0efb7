// The failure-delay policy with an injected clock.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "auth/failure_delay.h"

using tegami_auth::FailureDelay;
using tegami_auth::FailureDelayPolicy;
using namespace std::chrono_literals;
using Clock = FailureDelay::Clock;

TEST_CASE("first failure waits about 2 s, then doubles per failure up to the cap") {
  FailureDelay d;
  Clock::time_point t{};
  CHECK(d.record_failure("192.0.2.1", t) == 2000ms);
  CHECK(d.record_failure("192.0.2.1", t + 1s) == 4000ms);
  CHECK(d.record_failure("192.0.2.1", t + 2s) == 8000ms);
  CHECK(d.record_failure("192.0.2.1", t + 3s) == 15000ms);
  for (int i = 0; i < 100; ++i) CHECK(d.record_failure("192.0.2.1", t + 4s) == 15000ms);
  // Another address is unaffected.
  CHECK(d.record_failure("2001:db8::1", t + 4s) == 2000ms);
}

TEST_CASE("success forgets the address's failures") {
  FailureDelay d;
  Clock::time_point t{};
  d.record_failure("192.0.2.1", t);
  d.record_failure("192.0.2.1", t);
  CHECK(d.failures("192.0.2.1", t) == 2);
  d.record_success("192.0.2.1");
  CHECK(d.failures("192.0.2.1", t) == 0);
  CHECK(d.record_failure("192.0.2.1", t) == 2000ms);
}

TEST_CASE("failures decay one per decay step without new failures") {
  FailureDelayPolicy p;
  p.decay_step = 300s;
  FailureDelay d(p);
  Clock::time_point t{};
  for (int i = 0; i < 4; ++i) d.record_failure("198.51.100.9", t);
  CHECK(d.failures("198.51.100.9", t + 299s) == 4);
  CHECK(d.failures("198.51.100.9", t + 300s) == 3);
  CHECK(d.failures("198.51.100.9", t + 900s) == 1);
  // Failure after two steps: 4 - 2 + 1 = 3 remembered → 8 s.
  FailureDelay e(p);
  for (int i = 0; i < 4; ++i) e.record_failure("198.51.100.9", t);
  CHECK(e.record_failure("198.51.100.9", t + 600s) == 8000ms);
  CHECK(d.failures("198.51.100.9", t + 1200s) == 0);
  CHECK(d.tracked() == 0);  // fully decayed entries are dropped when seen
}

TEST_CASE("memory is bounded: the least recently failed address is evicted") {
  FailureDelayPolicy p;
  p.max_tracked = 100;
  FailureDelay d(p);
  Clock::time_point t{};
  d.record_failure("victim", t);
  d.record_failure("victim", t);
  for (int i = 0; i < 10000; ++i) d.record_failure("10.0." + std::to_string(i), t);
  CHECK(d.tracked() == 100);
  CHECK(d.failures("victim", t) == 0);
  CHECK(d.failures("10.0.9999", t) == 1);
}

TEST_CASE("a custom policy is honoured and can be replaced on reload") {
  FailureDelayPolicy p;
  p.first_delay = 500ms;
  p.max_delay = 1200ms;
  FailureDelay d(p);
  Clock::time_point t{};
  CHECK(d.record_failure("a", t) == 500ms);
  CHECK(d.record_failure("a", t) == 1000ms);
  CHECK(d.record_failure("a", t) == 1200ms);
  FailureDelayPolicy q;  // defaults, same table size: remembered failures survive
  d.set_policy(q);
  CHECK(d.record_failure("a", t) == 15000ms);
}

TEST_CASE("concurrent use from several threads is safe and counts every failure") {
  FailureDelay d;
  Clock::time_point t{};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 1000; ++i) {
        d.record_failure("shared", t);
        d.record_failure("t" + std::to_string(k) + "-" + std::to_string(i % 50), t);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(d.failures("shared", t) == 31);  // the count saturates; the delay is capped long before
  CHECK(d.tracked() == 1 + 4 * 50);
}
