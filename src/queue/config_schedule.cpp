#include "queue/config_schedule.h"

#include <algorithm>

namespace tegami_queue {

std::optional<std::int64_t> ConfigSchedule::next_attempt(const Envelope& e, const Recipient& r,
                                                         std::int64_t now) const {
  auto config = config_();
  const tegami::config::OutboundConfig& o = config->outbound;
  std::int64_t until = e.arrival + o.expire.count();
  if (now >= until) return std::nullopt;
  std::int64_t gap = std::max<std::int64_t>(o.retry_first.count(), 1);
  std::int64_t max_gap = std::max<std::int64_t>(o.retry_max.count(), gap);
  for (std::uint32_t i = 1; i < r.attempts && gap < max_gap; ++i) gap *= 2;
  // The last try happens at the end of the lifetime rather than after it.
  return std::min(now + std::min(gap, max_gap), until);
}

bool ConfigSchedule::delay_notice_due(const Envelope& e, const Recipient& r,
                                      std::int64_t now) const {
  auto config = config_();
  std::int64_t after = config->outbound.delay_notice.count();
  return after > 0 && !r.final() && !r.delay_notified && r.attempts > 0 && now >= e.arrival + after;
}

std::int64_t ConfigSchedule::retry_until(const Envelope& e) const {
  return e.arrival + config_()->outbound.expire.count();
}

}  // namespace tegami_queue
