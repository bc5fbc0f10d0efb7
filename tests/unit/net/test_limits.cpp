// KeyedLimiter: counts per key, slots release on destruction, thread safety.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "net/address.h"
#include "net/limits.h"

TEST_CASE("keyed_limiter_counts_and_releases") {
  net::KeyedLimiter lim;
  auto a = lim.try_acquire("imap:example.com", 2);
  auto b = lim.try_acquire("imap:example.com", 2);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK_FALSE(lim.try_acquire("imap:example.com", 2).has_value());
  CHECK(lim.try_acquire("imap:other.example", 2).has_value());  // released at once
  CHECK(lim.count("imap:other.example") == 0);
  CHECK(lim.count("imap:example.com") == 2);
  a.reset();
  CHECK(lim.count("imap:example.com") == 1);
  auto c = lim.try_acquire("imap:example.com", 2);
  CHECK(c.has_value());
  net::KeyedLimiter::Slot moved = std::move(*c);
  c.reset();
  CHECK(lim.count("imap:example.com") == 2);  // the moved-to slot still holds
  moved.release();
  CHECK(lim.count("imap:example.com") == 1);
  CHECK(lim.try_acquire("x", 0).has_value());  // 0 = unlimited
}

TEST_CASE("keyed_limiter_never_exceeds_max_across_threads") {
  net::KeyedLimiter lim;
  std::atomic<int> held{0}, peak{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (auto s = lim.try_acquire("k", 3)) {
          int now = ++held;
          int p = peak.load();
          while (now > p && !peak.compare_exchange_weak(p, now)) {
          }
          --held;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(peak.load() <= 3);
  CHECK(lim.count("k") == 0);
}

TEST_CASE("cidr_and_address") {
  auto c = net::Cidr::parse("192.0.2.0/24");
  REQUIRE(c.has_value());
  CHECK(c->contains(*net::SocketAddress::parse("192.0.2.77", 1)));
  CHECK_FALSE(c->contains(*net::SocketAddress::parse("192.0.3.1", 1)));
  CHECK_FALSE(c->contains(*net::SocketAddress::parse("2001:db8::1", 1)));
  auto c6 = net::Cidr::parse("2001:db8::/33");
  REQUIRE(c6.has_value());
  CHECK(c6->contains(*net::SocketAddress::parse("2001:db8:7fff::1", 1)));
  CHECK_FALSE(c6->contains(*net::SocketAddress::parse("2001:db8:8000::1", 1)));
  auto one = net::Cidr::parse("10.1.2.3");
  REQUIRE(one.has_value());
  CHECK(one->to_string() == "10.1.2.3/32");
  CHECK_FALSE(net::Cidr::parse("10.0.0.0/33").has_value());
  CHECK_FALSE(net::Cidr::parse("10.0.0.0/").has_value());
  CHECK_FALSE(net::Cidr::parse("example.com/8").has_value());
  // IPv4-mapped IPv6 is normalised to IPv4.
  auto mapped = net::SocketAddress::parse("::ffff:192.0.2.9", 25);
  REQUIRE(mapped.has_value());
  CHECK(mapped->family() == AF_INET);
  CHECK(mapped->to_string() == "192.0.2.9:25");
  CHECK(c->contains(*mapped));
  CHECK(net::SocketAddress::parse("2001:db8::1", 143)->to_string() == "[2001:db8::1]:143");
}
