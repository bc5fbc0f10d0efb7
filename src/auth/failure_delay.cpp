#include "auth/failure_delay.h"

#include <algorithm>

namespace tegami_auth {

FailureDelay::FailureDelay(FailureDelayPolicy policy)
    : policy_(policy), table_(policy.max_tracked) {}

int FailureDelay::decayed(const Entry& e, Clock::time_point now) const {
  if (now <= e.last || policy_.decay_step.count() <= 0) return e.count;
  auto steps = (now - e.last) / policy_.decay_step;
  return steps >= e.count ? 0 : e.count - static_cast<int>(steps);
}

std::chrono::milliseconds FailureDelay::record_failure(std::string_view ip, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = table_.touch(ip);
  // Keep the count bounded: past 31 doublings every delay is capped anyway.
  e.count = std::min(decayed(e, now) + 1, 31);
  e.last = now;
  auto delay = policy_.first_delay;
  for (int i = 1; i < e.count && delay < policy_.max_delay; ++i) delay *= 2;
  return std::min(delay, policy_.max_delay);
}

void FailureDelay::record_success(std::string_view ip) {
  std::lock_guard<std::mutex> lock(mu_);
  table_.erase(ip);
}

int FailureDelay::failures(std::string_view ip, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* e = table_.find(ip);
  if (e == nullptr) return 0;
  int n = decayed(*e, now);
  if (n == 0) table_.erase(ip);
  return n;
}

void FailureDelay::set_policy(const FailureDelayPolicy& policy) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_ = policy;
  if (policy.max_tracked != table_.capacity()) {
    // Rebuilding keeps it simple: the table is a cache of penalties, losing it only forgives.
    table_ = IpTable<Entry>(policy.max_tracked);
  }
}

size_t FailureDelay::tracked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_.size();
}

}  // namespace tegami_auth
