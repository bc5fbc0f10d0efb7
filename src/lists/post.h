// Posting one received message to a mailing list: the blocking step after DATA for a list
// recipient (smtp/accept.h calls it). Worker thread.
//
//   1. The list is expanded (expand.h); problems (cycles, unknown members) are logged as
//      warnings.
//   2. Posting policy (expand.h may_post) on the envelope sender or the From: address:
//      refused → kRefused, 550 5.7.1 (the caller answers it or sends a DSN).
//   3. Under the list's serial lock (serial.h) the number n = last + 1 is taken, the post is
//      built (post_headers.h) and delivered: one file hard-linked into every local member's
//      Maildir (and the list archive when `archive: true`) by tegami_delivery::deliver_local,
//      each member's quota charged; one queue entry for the external members and for local
//      copies that failed temporarily. Envelope sender of every copy: <list>-bounces@domain.
//      Members refused permanently (over quota, too big) are skipped; the list admins get a
//      failure DSN about them (queued, to each admin).
//   4. Only when all of that is durable, n is written; the lock is released.
// Outcomes: kPosted (250), kRefused (550 5.7.1), kFailed (temporary: 451/452, nothing
// committed, the number stays free).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "queue/queue.h"
#include "smtp/reply.h"

namespace tegami_lists {

struct PostJob {
  std::shared_ptr<const tegami::config::Config> config;
  std::string list_address;         // "sales@example.com" (a list of `config`)
  std::string_view message;         // as received (CRLF, unstuffed)
  std::string received;             // our Received header (prepended to every copy)
  tegami_queue::Envelope envelope;  // the incoming transaction's (sender for the policy)
  std::uint64_t max_size = 0;
  tegami_queue::Queue* queue = nullptr;  // external members, retries, notices; may be null
  std::string hostname;
  std::chrono::milliseconds lock_wait{60000};
  // The DMARC policy of a domain, for munge_from lists; empty: DNS (dmarc.h dmarc_policy).
  std::function<std::string(std::string_view domain)> dmarc_policy;
};

struct PostResult {
  enum class Kind { kPosted, kRefused, kFailed };
  Kind kind = Kind::kFailed;
  tegami_smtp::Reply reply;
  std::uint64_t serial = 0;                   // kPosted
  std::size_t delivered = 0;                  // local copies made
  std::vector<tegami_queue::QueueId> queued;  // entries written
};

PostResult post_to_list(const PostJob& job);

// The directory of a list's state (serial counter, archive Maildir):
// <mail_root>/<domain>/.lists/<local part> (local parts never start with '.', so it cannot
// meet an account's Maildir).
std::string list_state_dir(const tegami::config::Config& config,
                           const tegami::config::Domain& domain,
                           const tegami::config::MailingList& list);

// "<list>-bounces@<domain>", the envelope sender of posts.
std::string bounces_address(const tegami::config::Domain& domain,
                            const tegami::config::MailingList& list);

}  // namespace tegami_lists
