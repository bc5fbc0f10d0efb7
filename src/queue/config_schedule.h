// The retry schedule of the running daemon: Schedule (manager.h) with its numbers taken from
// the current config snapshot's `outbound` section (retry_first, retry_max, delay_notice,
// expire), so a reload changes them for the next decision. Any thread (reads a snapshot).
#pragma once

#include <functional>
#include <memory>

#include "config/config.h"
#include "queue/manager.h"

namespace tegami_queue {

class ConfigSchedule final : public Schedule {
 public:
  using Snapshot = std::function<std::shared_ptr<const tegami::config::Config>()>;
  // REQUIRES: `config` returns a snapshot (never nullptr).
  explicit ConfigSchedule(Snapshot config) : config_(std::move(config)) {}

  // retry_first × 2^(attempts−1), at most retry_max; the last attempt is made at
  // arrival + expire; nullopt once that has passed.
  std::optional<std::int64_t> next_attempt(const Envelope& e, const Recipient& r,
                                           std::int64_t now) const override;
  // Not final, attempted, not notified, and queued at least delay_notice (0 = never).
  bool delay_notice_due(const Envelope& e, const Recipient& r, std::int64_t now) const override;
  std::int64_t retry_until(const Envelope& e) const override;

 private:
  Snapshot config_;
};

}  // namespace tegami_queue
