// The daemon's retry schedule: numbers from config `outbound` (retry_first, retry_max,
// delay_notice, expire), read per decision.
#include <doctest/doctest.h>

#include "queue/config_schedule.h"

using tegami_queue::ConfigSchedule;
using tegami_queue::Envelope;
using tegami_queue::Recipient;

TEST_CASE("backoff doubles up to retry_max; the last attempt is at expiry, then none") {
  auto config = std::make_shared<tegami::config::Config>();
  config->outbound.retry_first = std::chrono::seconds(60);
  config->outbound.retry_max = std::chrono::seconds(300);
  config->outbound.expire = std::chrono::seconds(1000);
  std::shared_ptr<const tegami::config::Config> snapshot = config;
  ConfigSchedule s([&] { return snapshot; });
  Envelope e;
  e.arrival = 10000;
  Recipient r;
  std::int64_t now = 10000;
  r.attempts = 1;
  CHECK(s.next_attempt(e, r, now) == now + 60);
  r.attempts = 2;
  CHECK(s.next_attempt(e, r, now) == now + 120);
  r.attempts = 3;
  CHECK(s.next_attempt(e, r, now) == now + 240);
  r.attempts = 4;
  CHECK(s.next_attempt(e, r, now) == now + 300);
  r.attempts = 40;
  CHECK(s.next_attempt(e, r, now) == now + 300);
  CHECK(s.next_attempt(e, r, 10900) == 11000);  // capped at arrival + expire
  CHECK_FALSE(s.next_attempt(e, r, 11000));
  CHECK(s.retry_until(e) == 11000);
}

TEST_CASE("delay notice: once, after delay_notice, only after an attempt; 0 = never") {
  auto config = std::make_shared<tegami::config::Config>();
  config->outbound.delay_notice = std::chrono::seconds(100);
  std::shared_ptr<const tegami::config::Config> snapshot = config;
  ConfigSchedule s([&] { return snapshot; });
  Envelope e;
  e.arrival = 5000;
  Recipient r;
  CHECK_FALSE(s.delay_notice_due(e, r, 5200));  // never tried
  r.attempts = 2;
  CHECK_FALSE(s.delay_notice_due(e, r, 5099));
  CHECK(s.delay_notice_due(e, r, 5100));
  r.delay_notified = true;
  CHECK_FALSE(s.delay_notice_due(e, r, 5200));
  r.delay_notified = false;
  auto off = std::make_shared<tegami::config::Config>();
  off->outbound.delay_notice = std::chrono::seconds(0);
  snapshot = off;  // a reload: read at the next decision
  CHECK_FALSE(s.delay_notice_due(e, r, 999999));
}
