#include "outbound/retry.h"

#include <algorithm>

namespace tegami::outbound {

std::chrono::seconds backoff(uint32_t attempts, const RetryPolicy& policy) {
  auto wait = policy.first_interval;
  for (uint32_t i = 1; i < attempts && wait < policy.max_interval; ++i) wait *= 2;
  return std::min(wait, policy.max_interval);
}

Decision decide(int code, uint32_t attempts, std::chrono::system_clock::time_point queued_at,
                std::chrono::system_clock::time_point now, const RetryPolicy& policy) {
  Decision d;
  if (code >= 200 && code < 400) {
    d.verdict = Verdict::kDelivered;
    return d;
  }
  if (code >= 500) {
    d.verdict = Verdict::kFailed;
    return d;
  }
  auto next = now + backoff(std::max<uint32_t>(attempts, 1), policy);
  if (now >= queued_at + policy.lifetime) {
    d.verdict = Verdict::kFailed;
    return d;
  }
  // The last try happens at the end of the lifetime rather than after it.
  d.next_attempt = std::min(next, queued_at + policy.lifetime);
  return d;
}

bool delay_notice_due(std::chrono::system_clock::time_point queued_at,
                      std::chrono::system_clock::time_point now, const RetryPolicy& policy) {
  return policy.delay_notice.count() > 0 && now >= queued_at + policy.delay_notice;
}

}  // namespace tegami::outbound
