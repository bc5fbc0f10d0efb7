// Queues a delivery status notification (dsn.h) about some recipients of a message to that
// message's sender: the DSN is a new queue entry with the null sender, marked is_dsn (so no
// DSN is ever made about it), addressed to the original sender — a local sender gets it in
// the INBOX through the queue manager, a remote one through the remote transport.
// Blocking (enqueue): worker thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsn/dsn.h"
#include "queue/queue.h"

namespace tegami_queue {

// REQUIRES: reports not empty, original.sender not empty and !original.is_dsn (check
// tegami_dsn::dsn_wanted first). `message` is the original as queued or received.
maildir::Result<QueueId> queue_dsn(Queue& queue, const Envelope& original, std::string_view message,
                                   std::vector<tegami_dsn::RecipientReport> reports,
                                   const std::string& hostname, std::int64_t now);

}  // namespace tegami_queue
