// tegami's durable on-disk mail queue (issue 4: delivery pipeline; issue 8 delivers its remote
// recipients). Mail that cannot go straight into a local Maildir while the client waits —
// remote recipients of an authenticated user, external alias targets, DSNs — is written here
// before the SMTP 250 and stays until every recipient has a final outcome.
//
// Layout under the queue directory (server.queue_dir; docs/formats.md "The mail queue"):
//   tmp/<id>.env                 being written (removed by Queue::open after a crash)
//   msg/<id>                     the message, exactly the bytes to send (CRLF line ends, not
//                                dot-stuffed), our Received header already at the top; written
//                                in place (an unfinished one has no env/<id> yet)
//   env/<id>                     the envelope and per-recipient state (envelope.h): an initial
//                                block written once, then fsync'ed state lines appended
// An entry exists exactly when env/<id> exists. enqueue() writes msg/<id> first (exclusive
// create, fsync, fsync msg/) and env/ last (tmp, fsync, rename, fsync env/): a crash at any
// instant leaves either no entry or a complete one. remove() unlinks env/ first (synced), then
// msg/. Ids are Maildir unique names (`<sec>.M<usec>P<pid>Q<n>.<host>`), unique across nodes.
//
// One process owns a queue directory (the daemon's queue manager). enqueue() may run on many
// threads at once; record() and remove() for one entry must not run concurrently (the manager
// serialises them). Everything here blocks on the disk: call it on a worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "maildir/delivery.h"
#include "maildir/env.h"
#include "maildir/status.h"
#include "queue/envelope.h"

namespace tegami_queue {

struct QueueOptions {
  maildir::Env* env = nullptr;  // nullptr: Env::posix(); tests make single steps fail
};

class Queue {
 public:
  // Opens (creating `dir`, tmp/, msg/ and env/ when missing) and cleans up what a crash left:
  // files in tmp/ and msg/<id> without env/<id> (an enqueue that never finished). REQUIRES: no
  // other process uses `dir` (leftovers of a running enqueue would be removed).
  // Errors: kPermission / kIo / kNoSpace from the file system.
  static maildir::Result<std::unique_ptr<Queue>> open(const std::string& dir,
                                                      QueueOptions options = {});

  // For readers outside the owning process (the admin command): uses `dir` as it is, creating
  // and cleaning nothing, so a running tegamid's enqueues in tmp/ are never touched.
  // Errors: kNotFound when `dir` or its env/ does not exist.
  static maildir::Result<std::unique_ptr<Queue>> attach(const std::string& dir,
                                                        QueueOptions options = {});

  const std::string& dir() const { return dir_; }

  // Whether env/<id> exists (false for an invalid id).
  bool exists(const QueueId& id) const;

  // Writes a new entry durably (see the top of this file) and returns its id. `message` is
  // the whole message (CRLF). Every recipient starts kPending with next_attempt = 0 unless the
  // caller set otherwise. REQUIRES: at least one recipient. Errors: kInvalidArgument (no
  // recipients, or a field the envelope format refuses: CR/LF/NUL), kNoSpace, kIo. On error
  // nothing is left behind.
  maildir::Result<QueueId> enqueue(const Envelope& envelope,
                                   const std::vector<Recipient>& recipients,
                                   std::string_view message);
  // Same, streaming the message from `reader` (never held whole).
  maildir::Result<QueueId> enqueue(const Envelope& envelope,
                                   const std::vector<Recipient>& recipients,
                                   const maildir::MessageReader& reader);

  // The ids of every entry (env/ files), in no particular order.
  maildir::Result<std::vector<QueueId>> list() const;

  // Reads one entry: the envelope, and each recipient's latest recorded state.
  // Errors: kNotFound (removed meanwhile, or a malformed id), kCorrupt (envelope unreadable:
  // the file is left for the admin, see docs/formats.md), kIo.
  maildir::Result<Entry> load(const QueueId& id) const;

  // Makes the current state of `entry.recipients[i]` for every i in `changed` durable (one
  // appended line each, one write and one fsync in all; the file is rewritten by rename when
  // the appended lines grow past a bound). REQUIRES: entry was load()ed or enqueue()d here and
  // `changed` indexes are in range. Errors: kNotFound, kNoSpace, kIo (the state on disk is then
  // the old one).
  maildir::Status record(const Entry& entry, const std::vector<std::size_t>& changed);

  // Deletes the entry: unlinks env/<id> and fsyncs env/ (the entry is gone for good), then
  // unlinks msg/<id> (not synced: a crash may leave it, and open() removes it as a leftover).
  // kNotFound when already gone. Called when every recipient is final, or by the admin.
  maildir::Status remove(const QueueId& id);

  // Path of the message file (for streaming it to a remote server).
  std::string message_path(const QueueId& id) const;
  // Reads the whole message. kLimit when it is larger than `max_bytes` (0 = no limit).
  maildir::Result<std::string> read_message(const QueueId& id, std::uint64_t max_bytes = 0) const;
  // Size of the message file in bytes.
  maildir::Result<std::uint64_t> message_size(const QueueId& id) const;

 private:
  Queue(std::string dir, QueueOptions options) : dir_(std::move(dir)), options_(options) {}
  maildir::Env& env() const {
    return options_.env != nullptr ? *options_.env : maildir::Env::posix();
  }
  maildir::Status clean_leftovers();
  maildir::Status write_envelope(const Entry& entry, const std::string& tmp_name);

  std::string dir_;
  QueueOptions options_;
};

// True when `id` could be a queue id (no '/', no leading '.', printable ASCII, not too long):
// the check made before any id from outside (the admin command) becomes a path.
bool valid_id(std::string_view id);

}  // namespace tegami_queue
