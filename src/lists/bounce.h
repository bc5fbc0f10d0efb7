// Bounces of list posts (mail to `<list>-bounces@domain`, the posts' envelope sender): every
// permanent failure a DSN names for a member of the list is counted; a member with
// `bounce_limit` (config, default 5; 0 = never) permanent bounces is disabled — posts skip it — and
// the list admins get a notice. The bounce itself is also delivered to the list admins
// (delivery/recipient.h).
//
// State, next to the serial counter (serial.h) and under its lock: `<state>/bounces`, lines
// "<count> <address>", and `<state>/disabled`, one address per line; each replaced by temp
// file + fsync + rename. `tegami list member enable` clears both for an address. Blocking:
// worker threads.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "maildir/status.h"
#include "queue/queue.h"

namespace tegami_lists {

// The recipients an RFC 3464 report names as failed permanently (Action: failed and a 5.x.x
// Status), lower-case, each once. Pure; never fails (not a DSN: empty).
std::vector<std::string> permanent_failures(std::string_view message);

// The disabled members of the list whose state directory is `state_dir` (empty when none).
std::set<std::string> disabled_members(const std::string& state_dir);

struct BounceResult {
  std::vector<std::string> counted;           // members whose count went up
  std::vector<std::string> disabled;          // members disabled by this bounce
  std::vector<tegami_queue::QueueId> queued;  // the notices to the admins (tell the manager)
};

// Counts the bounce `message` for the list `list_address` ("sales@example.com") and, when
// members get disabled and `queue` is set, queues a notice to each list admin.
maildir::Result<BounceResult> handle_bounce(const tegami::config::Config& config,
                                            const std::string& list_address,
                                            std::string_view message, tegami_queue::Queue* queue);

// Re-enables a member: clears its count and its disabled mark. kNotFound when the list has no
// such state.
maildir::Status enable_member(const tegami::config::Config& config, const std::string& list_address,
                              const std::string& member);

}  // namespace tegami_lists
