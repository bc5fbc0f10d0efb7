// The interface between the queue manager (manager.h) and remote delivery (issue 8).
//
// The manager hands each due group of remote recipients — all in one destination domain, of
// one queue entry — to the registered RemoteTransport, and records what comes back. Until a
// transport is registered, remote recipients simply stay queued (kPending / kDeferred).
//
// Contract of deliver():
//   - called on the manager's loop thread; must not block (start the work and return);
//   - must call `done` exactly once, from any thread, with one Outcome per job recipient, in
//     the order of `job.recipients` (the manager moves it onto its own loop);
//   - the message file (job.message_path) stays in place until `done` was called;
//   - kDelivered = the remote server accepted it (2xx after DATA); kDeferred = a 4xx or a
//     connection / DNS / timeout failure (the manager's schedule decides when to retry, and
//     when it has been too long); kBounced = a 5xx or an unrecoverable condition (null MX, ...):
//     the manager queues the failure DSN quoting `reply` and `remote_mta`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "queue/envelope.h"

namespace tegami_queue {

struct Outcome {
  enum class Kind { kDelivered, kDeferred, kBounced };
  Kind kind = Kind::kDeferred;
  std::string reply;       // one line, e.g. "550 5.1.1 <bob@example.com>: no such user"
  std::string remote_mta;  // host name (or IP) of the server that answered; "" if none
  // kDelivered to a server that offers DSN (RFC 3461): the NOTIFY/ORCPT/RET/ENVID parameters
  // went with it and that server reports from now on. False with NOTIFY=SUCCESS: the manager
  // sends a "relayed" DSN (RFC 3461 §5.2.2.1).
  bool dsn_passed = false;
};

struct DeliveryJob {
  QueueId id;
  Envelope envelope;
  std::string domain;                 // the recipients' domain (lower-case)
  std::vector<Recipient> recipients;  // copies of the entry's recipients for this domain
  std::vector<std::size_t> indexes;   // their indexes in the entry (same order)
  // The message: `message_size` bytes at `message_offset` of the file `message_path` (CRLF,
  // not dot-stuffed; the queue entry's own file, see queue.h).
  std::string message_path;
  std::uint64_t message_offset = 0;
  std::uint64_t message_size = 0;
};

class RemoteTransport {
 public:
  virtual ~RemoteTransport() = default;
  virtual void deliver(const DeliveryJob& job, std::function<void(std::vector<Outcome>)> done) = 0;
};

}  // namespace tegami_queue
