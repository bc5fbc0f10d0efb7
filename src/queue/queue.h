// tegami's durable on-disk mail queue (issue 4: delivery pipeline; issue 8 delivers its remote
// recipients). Mail that cannot go straight into a local Maildir while the client waits —
// remote recipients of an authenticated user, external alias targets, DSNs — is written here
// before the SMTP 250 and stays until every recipient has a final outcome.
//
// Layout under the queue directory (server.queue_dir; docs/formats.md "The mail queue"):
//   tmp/<id>                     being written (moved to free/ by Queue::open after a crash)
//   free/<name>                  spare files of removed entries, reused by enqueue (contents
//                                meaningless, never read)
//   env/<id>                     the entry, ONE file: the envelope block (envelope.h), the line
//                                "message <bytes>", the message — exactly the bytes to send
//                                (CRLF line ends, not dot-stuffed), our Received header at the
//                                top — and then the fsync'ed state lines appended later
// An entry exists exactly when env/<id> exists. enqueue() writes tmp/<id> in one go, fsyncs
// it, renames it to env/<id> and fsyncs env/ — one file fsync and one directory fsync per
// message, and the directory fsync is shared by concurrent enqueues and removals (GroupSync,
// group commit). A crash at any instant leaves either no entry or a complete one. remove()
// unlinks env/<id> and fsyncs env/ (group commit too). Ids are Maildir unique names
// (`<sec>.M<usec>P<pid>Q<n>.<host>`), unique across nodes.
//
// Files are recycled: remove() renames env/<id> into free/ (after the env/ fsync the entry is
// gone for good) and enqueue() writes its next entry into such a file (truncate, write, fsync,
// rename to env/<new id>) instead of creating a new inode and unlinking the old one. A file
// system allocates no inode per message then: on ext4 without a journal, allocating inodes
// while many were deleted in the last seconds scans past every one of them (recently_deleted),
// which took half of tegamid's CPU in bench_outbound.py. At most 256 spares of at most 256 KB
// each are kept (larger files are unlinked), so free/ never holds more than 64 MB.
//
// Version 1 entries (tegami before 2026-12: env/<id> held only the envelope, the message was
// msg/<id>) are read as they are; open() migrates them to one file each (written and made
// durable before msg/<id> goes), and record() rewrites one it compacts the same way.
//
// One process owns a queue directory (the daemon's queue manager). enqueue() may run on many
// threads at once; record() and remove() for one entry must not run concurrently (the manager
// serialises them). Everything here blocks on the disk: call it on a worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "maildir/delivery.h"
#include "maildir/env.h"
#include "maildir/status.h"
#include "queue/envelope.h"
#include "queue/group_sync.h"

namespace tegami_queue {

struct QueueOptions {
  maildir::Env* env = nullptr;  // nullptr: Env::posix(); tests make single steps fail
};

class Queue {
 public:
  // Opens (creating `dir`, tmp/, env/ and free/ when missing) and cleans up what a crash left:
  // files in tmp/ (an enqueue that never finished) become spares in free/, and, from version
  // 1, msg/<id> without env/<id> are removed; then migrates version 1 entries to one file
  // each (one that cannot be is logged and left) and removes msg/ once it is empty.
  // REQUIRES: no other process uses `dir` (leftovers of a running enqueue would be removed).
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
  // Same, the message being the concatenation of `pieces` (no copy of a big message).
  maildir::Result<QueueId> enqueue(const Envelope& envelope,
                                   const std::vector<Recipient>& recipients,
                                   const std::vector<std::string_view>& pieces);

  // The ids of every entry (env/ files), in no particular order.
  maildir::Result<std::vector<QueueId>> list() const;

  // Reads one entry: the envelope, each recipient's latest recorded state, and where its
  // message is (Entry::message_file/offset/size; the message itself is not read). Errors: kNotFound
  // (removed meanwhile, or a malformed id), kCorrupt (envelope unreadable: the file is left for the
  // admin, see docs/formats.md), kIo.
  maildir::Result<Entry> load(const QueueId& id) const;

  // Makes the current state of `entry.recipients[i]` for every i in `changed` durable (one
  // appended line each, one write and one fsync in all; the file is rewritten by rename when
  // the appended lines grow past a bound). REQUIRES: entry was load()ed or enqueue()d here and
  // `changed` indexes are in range. Errors: kNotFound, kNoSpace, kIo (the state on disk is then
  // the old one).
  maildir::Status record(const Entry& entry, const std::vector<std::size_t>& changed);

  // Deletes the entry: moves env/<id> to free/ (for reuse; unlinks it without free/ or when
  // the pool is full) and fsyncs env/ (group commit; the entry is gone for good), then, for a
  // version 1 entry, unlinks msg/<id> (not synced: a crash may leave it,
  // and open() removes it as a leftover). kNotFound when already gone. Called when every
  // recipient is final, or by the admin.
  maildir::Status remove(const QueueId& id);

  // Reads the whole message of a load()ed entry. kLimit when it is larger than `max_bytes`
  // (0 = no limit); kCorrupt when the file is shorter than the entry says.
  maildir::Result<std::string> read_message(const Entry& entry, std::uint64_t max_bytes = 0) const;

  // Directory fsyncs of env/ so far (group commit: fewer than the entries written/removed
  // when several threads work at once).
  std::uint64_t dir_syncs() const { return env_sync_->syncs(); }

 private:
  Queue(std::string dir, QueueOptions options);
  maildir::Env& env() const {
    return options_.env != nullptr ? *options_.env : maildir::Env::posix();
  }
  maildir::Status clean_leftovers();
  // A spare file's path in free/ ("" when there is none), and returning one to the pool.
  std::string take_free();
  void give_free(std::string path);
  maildir::Status migrate_version1();
  // Writes the entry anew as one version 2 file (tmp, fsync, rename over env/<id>, fsync env/)
  // with only the current state; a version 1 entry's msg/<id> is unlinked afterwards.
  maildir::Status rewrite(const Entry& entry);

  std::string dir_;
  QueueOptions options_;
  bool legacy_ = false;   // msg/ (version 1) exists
  bool recycle_ = false;  // free/ exists (open() makes it; attach() finds it)
  std::unique_ptr<GroupSync> env_sync_;
  std::mutex free_mutex_;
  std::vector<std::string> free_;  // paths in free/
};

// True when `id` could be a queue id (no '/', no leading '.', printable ASCII, not too long):
// the check made before any id from outside (the admin command) becomes a path.
bool valid_id(std::string_view id);

}  // namespace tegami_queue
