// POP-before-SMTP: addresses that logged in over POP3 or IMAP recently may relay through port 25
// for a configurable window (off by default in the config; this registry only remembers).
//
// POP3/IMAP call record_login() after a successful login; SMTP on port 25 asks may_relay()
// for an unauthenticated client. At most max_entries addresses are remembered (the least
// recently logged-in one is dropped first); expired ones are pruned as new ones arrive.
// Clock-injected (steady clock) for tests.
//
// Thread safety: all methods may be called concurrently from any loop (internal mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string_view>

#include "auth/ip_table.h"

namespace tegami_auth {

class PopBeforeSmtp {
 public:
  using Clock = std::chrono::steady_clock;

  // REQUIRES: max_entries >= 1.
  explicit PopBeforeSmtp(std::chrono::seconds window = std::chrono::minutes(10),
                         size_t max_entries = 65536);

  void record_login(std::string_view ip, Clock::time_point now);

  // True when `ip` logged in within the window before `now`.
  bool may_relay(std::string_view ip, Clock::time_point now);

  // Config reload: later queries use the new window.
  void set_window(std::chrono::seconds window);

  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::chrono::seconds window_;
  IpTable<Clock::time_point> table_;
};

}  // namespace tegami_auth
