// Route from MX records (order, implicit MX, null MX), wire body, retry schedule.
#include <doctest/doctest.h>

#include "outbound/body.h"
#include "outbound/retry.h"
#include "outbound/route.h"

using namespace tegami::outbound;
using namespace std::chrono;

TEST_CASE("MX preference order, implicit MX, null MX") {
  auto r = route_from_mx("Example.org", {{20, "b.example.org"},
                                         {10, "A.example.org."},
                                         {20, "c.example.org"},
                                         {30, "a.example.org"}});
  CHECK(r.kind == Route::Kind::kHosts);
  CHECK(r.hosts == std::vector<std::string>{"a.example.org", "b.example.org", "c.example.org"});
  CHECK(route_from_mx("Example.org", {}).hosts == std::vector<std::string>{"example.org"});
  CHECK(route_from_mx("x.org", {{0, ""}}).kind == Route::Kind::kNullMx);
  CHECK(route_from_mx("x.org", {{0, "."}}).kind == Route::Kind::kNullMx);
  CHECK(route_from_mx("x.org", {{0, ""}, {10, "mx.x.org"}}).hosts ==
        std::vector<std::string>{"mx.x.org"});
  CHECK(domain_of("Bob@Example.ORG") == "example.org");
  CHECK(domain_of("nobody").empty());
}

TEST_CASE("wire body: CRLF, dot-stuffing, final dot, 8-bit") {
  CHECK(make_wire_body("a\n.b\r\n..c\rd").bytes == "a\r\n..b\r\n...c\r\nd\r\n.\r\n");
  CHECK(make_wire_body("x\r\n").bytes == "x\r\n.\r\n");
  CHECK(make_wire_body("").bytes == ".\r\n");
  CHECK_FALSE(make_wire_body("plain").eight_bit);
  CHECK(make_wire_body("caf\xc3\xa9").eight_bit);
}

TEST_CASE("backoff 5m, 10m, 20m, 40m ... capped") {
  RetryPolicy p;
  CHECK(backoff(1, p) == minutes(5));
  CHECK(backoff(2, p) == minutes(10));
  CHECK(backoff(3, p) == minutes(20));
  CHECK(backoff(4, p) == minutes(40));
  CHECK(backoff(30, p) == hours(4));
}

TEST_CASE("decide: 2xx, 4xx until the lifetime, 5xx, connection failure") {
  RetryPolicy p;
  auto t0 = system_clock::now();
  CHECK(decide(250, 1, t0, t0, p).verdict == Verdict::kDelivered);
  CHECK(decide(550, 1, t0, t0, p).verdict == Verdict::kFailed);
  auto d = decide(451, 1, t0, t0, p);
  CHECK(d.verdict == Verdict::kRetry);
  CHECK(d.next_attempt == t0 + minutes(5));
  CHECK(decide(0, 2, t0, t0 + minutes(5), p).next_attempt == t0 + minutes(15));
  CHECK(decide(451, 9, t0, t0 + hours(24 * 5), p).verdict == Verdict::kFailed);
  // Near the end the last try is at the lifetime, not after it.
  CHECK(decide(451, 40, t0, t0 + hours(24 * 5) - minutes(1), p).next_attempt == t0 + hours(24 * 5));
  CHECK_FALSE(delay_notice_due(t0, t0 + hours(3), p));
  CHECK(delay_notice_due(t0, t0 + hours(4), p));
  p.delay_notice = seconds(0);
  CHECK_FALSE(delay_notice_due(t0, t0 + hours(40), p));
}
