#include "auth/pop_before_smtp.h"

namespace tegami_auth {

PopBeforeSmtp::PopBeforeSmtp(std::chrono::seconds window, size_t max_entries)
    : window_(window), table_(max_entries) {}

void PopBeforeSmtp::record_login(std::string_view ip, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  // Entries are touched in time order, so the expired ones sit at the old end.
  table_.prune_oldest([&](const Clock::time_point& at) { return now - at > window_; });
  table_.touch(ip) = now;
}

bool PopBeforeSmtp::may_relay(std::string_view ip, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  // peek, not find: a query must not reorder the table, whose order is login time.
  Clock::time_point* at = table_.peek(ip);
  if (at == nullptr) return false;
  if (now - *at > window_) {
    table_.erase(ip);
    return false;
  }
  return true;
}

void PopBeforeSmtp::set_window(std::chrono::seconds window) {
  std::lock_guard<std::mutex> lock(mu_);
  window_ = window;
}

size_t PopBeforeSmtp::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_.size();
}

}  // namespace tegami_auth
