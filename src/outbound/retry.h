// The retry policy for remote delivery: what a recipient's attempt outcome means and when to
// try again. Pure; any thread.
//
// Outcomes: a 2xx reply delivers; 5xx fails for good; 4xx and connection-level failures
// (no reply at all) are retried after first_interval × 2^(attempts−1), at most max_interval
// (default 5 m, 10 m, 20 m, 40 m, …, 4 h), until `lifetime` after queueing (default 5 days);
// then the recipient fails with the last reply. A "delayed" notice (RFC 3464) goes out once,
// when a recipient is still undelivered `delay_notice` after queueing (default 4 h; zero = never).
#pragma once

#include <chrono>
#include <cstdint>

namespace tegami::outbound {

struct RetryPolicy {
  std::chrono::seconds first_interval{std::chrono::minutes(5)};
  std::chrono::seconds max_interval{std::chrono::hours(4)};
  std::chrono::seconds lifetime{std::chrono::hours(24 * 5)};
  std::chrono::seconds delay_notice{std::chrono::hours(4)};
};

enum class Verdict {
  kDelivered,  // 2xx
  kRetry,      // try again at the returned time
  kFailed,     // 5xx, or a temporary failure past the lifetime: bounce
};

struct Decision {
  Verdict verdict = Verdict::kRetry;
  std::chrono::system_clock::time_point next_attempt{};  // kRetry only
};

// `code`: the reply code for the recipient (0 = no reply: connection failure, DNS failure).
// `attempts`: attempts made so far including this one (≥ 1).
Decision decide(int code, uint32_t attempts, std::chrono::system_clock::time_point queued_at,
                std::chrono::system_clock::time_point now, const RetryPolicy& policy);

// The wait after `attempts` failed attempts (≥ 1).
std::chrono::seconds backoff(uint32_t attempts, const RetryPolicy& policy);

// True when a delay notice is due now for a recipient queued at `queued_at` that has none yet.
bool delay_notice_due(std::chrono::system_clock::time_point queued_at,
                      std::chrono::system_clock::time_point now, const RetryPolicy& policy);

}  // namespace tegami::outbound
