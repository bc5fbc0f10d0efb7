// What happens to a message once DATA is complete: the one blocking step between the end of
// DATA and the reply (DESIGN.md principle 2: acknowledge only what is durable).
//
//   1. Local recipients get their copies (tegami_delivery::deliver_local).
//   2. One queue entry (queue.h) takes every remote recipient (authenticated relay, external
//      alias targets) and every local copy that failed temporarily while others succeeded.
//      When the message was submitted by an authenticated user and goes to a remote recipient,
//      it is DKIM-signed with the key of the user's domain (dkim/domain_signer.h) as it is
//      written: the DKIM-Signature field goes in front of our Received line, once, durably. A
//      key that cannot be used is logged and the message is queued unsigned.
//   0. List commands (<list>-ctl) run first; their failure is the answer. Then mailing-list
//      recipients: each list gets its post (tegami_lists::post_to_list:
//      policy, serial number, fan-out). A temporary failure there fails the transaction
//      (451/452) before anything else is delivered; a post refused by the list's policy is
//      the answer when nothing else was accepted (550 5.7.1), else a failure DSN.
//   3. Local copies refused permanently (over quota, too big) while others succeeded: a
//      failure DSN (RFC 3464) to the sender is queued, as NOTIFY allows, never for <>.
// Reply: 250 when every recipient's copy is durable in a Maildir or in the queue (and the
// DSN, when one is due, is queued); the delivery error (552 5.2.2, ...) when nobody got it;
// 451 4.3.0 when the queue could not be written after some copies were delivered (the
// sender retries; those recipients may get it twice — never lost).
// Blocking: worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "delivery/journal.h"
#include "delivery/recipient.h"
#include "queue/queue.h"
#include "smtp/reply.h"

namespace tegami_smtp {

// A local mailbox and the RCPT it came from (for the DSN's recipient fields).
struct LocalTarget {
  tegami_delivery::LocalMailbox mailbox;
  std::string rcpt;   // the address the client gave at RCPT
  std::string orcpt;  // ORCPT "<type>;<address>", "" = none
  bool has_notify = false;
  unsigned notify = 0;
};

struct AcceptJob {
  std::string message;              // as received (CRLF, unstuffed)
  std::string received;             // our Received header
  tegami_queue::Envelope envelope;  // sender, ENVID, RET, BODY, auth, arrival
  std::vector<LocalTarget> locals;
  std::vector<tegami_queue::Recipient> remotes;  // REQUIRES: empty when queue is null
  std::uint64_t max_size = 0;
  tegami_queue::Queue* queue = nullptr;
  // Local copies go through this journal (delivery/journal.h); nullptr: fsync each.
  tegami_delivery::Journal* journal = nullptr;
  std::string hostname;  // Reporting-MTA of a DSN
  // Mailing lists posted to ("sales@example.com"); REQUIRES: config set when not empty.
  std::vector<std::string> lists;
  // The list whose -ctl address was a recipient ("" = none): its commands run for
  // envelope.auth_user (tegami_lists::run_ctl), the reply mail is queued.
  std::string list_ctl;
  // Lists whose -bounces address was a recipient: the message is counted as a bounce
  // (tegami_lists::handle_bounce) once it is delivered to the list admins.
  std::vector<std::string> bounce_lists;
  // DKIM keys (domains' dkim sections); nullptr = nothing is signed.
  std::shared_ptr<const tegami::config::Config> config;
};

struct AcceptResult {
  Reply reply;
  std::vector<tegami_queue::QueueId> queued;  // entries written (the manager is told)
  std::size_t delivered = 0;                  // local copies made
  std::string dkim_domain;                    // d= of the signature added, "" = none
};

AcceptResult accept_message(const AcceptJob& job);

}  // namespace tegami_smtp
