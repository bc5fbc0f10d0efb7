// The anti-brute-force policy: how long to wait before answering a failed login.
//
// A wrong password, an unknown user, a refused username and a malformed SASL exchange are all
// answered after the same delay, so a client cannot tell them apart. The delay grows per client
// address with repeated failures: first_delay (2 s), then doubled per further failure up to
// max_delay (15 s) — the shape of Dovecot's auth penalty. Failures are forgotten one per
// decay_step (5 min) without a new failure, and all at once after a successful login from that
// address. At most max_tracked addresses are remembered (least recently failed evicted), so
// memory stays bounded.
//
// Pure and clock-injected: callers pass `now` (steady clock). The daemon answers the failure
// with a timer set to the returned delay, measured from when the login attempt arrived.
//
// Thread safety: all methods may be called concurrently (internal mutex); one instance is
// shared by all event loops so an attacker spreading connections over loops is still counted.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string_view>

#include "auth/ip_table.h"

namespace tegami_auth {

struct FailureDelayPolicy {
  std::chrono::milliseconds first_delay{2000};
  std::chrono::milliseconds max_delay{15000};
  std::chrono::seconds decay_step{300};
  size_t max_tracked = 65536;
};

class FailureDelay {
 public:
  using Clock = std::chrono::steady_clock;

  explicit FailureDelay(FailureDelayPolicy policy = {});

  // Records a failed login from `ip` at `now` and returns how long to wait before answering:
  // first_delay * 2^(n-1) capped at max_delay, n = failures remembered including this one.
  std::chrono::milliseconds record_failure(std::string_view ip, Clock::time_point now);

  // A successful login from `ip`: its failures are forgotten.
  void record_success(std::string_view ip);

  // Failures currently remembered for `ip` (after decay); 0 when unknown.
  int failures(std::string_view ip, Clock::time_point now);

  // Replaces the policy (config reload). Remembered failures are kept, except when max_tracked
  // changes: then the table starts empty (it only ever forgives).
  void set_policy(const FailureDelayPolicy& policy);

  size_t tracked() const;

 private:
  struct Entry {
    int count = 0;
    Clock::time_point last{};
  };
  int decayed(const Entry& e, Clock::time_point now) const;

  mutable std::mutex mu_;
  FailureDelayPolicy policy_;
  IpTable<Entry> table_;
};

}  // namespace tegami_auth
