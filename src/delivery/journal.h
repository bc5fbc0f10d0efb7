// The delivery journal: a write-ahead log that lets concurrent local deliveries share one disk
// flush (issue 4; format in journal_record.h and docs/formats.md "The delivery journal").
//
// A delivery first chooses the final Maildir names, then commit()s one record naming every
// target file and holding the file's exact bytes. commit() appends the record to the active
// segment (<dir>/<unique>, one per process, held with an exclusive flock) and returns once an
// fdatasync that started after the append has finished: group commit — every delivery that
// appended while an fdatasync ran shares the next one. Only then does the caller write the
// Maildir files (maildir::place_unsynced: no fsync) and answer 250; it keeps the returned
// Pending until the files are written.
//
// Checkpoint (a background thread, every `interval` or when the active segment passes
// `segment_bytes`; also at close()): a new segment becomes active, the old one's pending
// deliveries are waited for, syncfs(2) runs on every file system holding a Maildir the old
// segment named (and the one of `sync_also`, the queue), then the old segment is unlinked and
// the directory fsync'ed — or, to spare the file system an inode allocation and size changes, kept
// as the next segment with a new id (its old records become stale). A crash before that leaves
// the segment for recover_journal().
//
// Thread-safe: commit() from any number of worker threads. Blocks on the disk.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "delivery/journal_record.h"
#include "maildir/status.h"

namespace tegami_delivery {

struct JournalOptions {
  std::string dir;        // e.g. <queue_dir>/journal; created when missing
  std::string sync_also;  // a path whose file system each checkpoint syncs too ("" = none)
  std::uint64_t max_payload = 64ull << 20;  // largest record payload written or replayed
  std::chrono::milliseconds interval{1000};
  std::uint64_t segment_bytes = 32ull << 20;
  // Each new segment is filled with this many zero bytes first (see create_segment).
  std::uint64_t preallocate_bytes = 4ull << 20;
};

class Journal {
 public:
  class Segment;

  // Marks one committed record's files as written when destroyed (or reset()).
  class Pending {
   public:
    Pending() = default;
    Pending(Journal* journal, std::shared_ptr<Segment> segment)
        : journal_(journal), segment_(std::move(segment)) {}
    Pending(Pending&& o) noexcept { *this = std::move(o); }
    Pending& operator=(Pending&& o) noexcept;
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;
    ~Pending() { reset(); }
    void reset();

   private:
    Journal* journal_ = nullptr;
    std::shared_ptr<Segment> segment_;
  };

  // Creates the directory and the first segment (fsync'ed with its directory) and starts the
  // checkpoint thread. REQUIRES: recover_journal() ran on `dir` first (the journal never
  // replays). Errors: kIo/kPermission/kNoSpace from the file system.
  static maildir::Result<std::unique_ptr<Journal>> open(JournalOptions options);

  ~Journal();  // close()
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends the record and waits until it is durable. Errors: kLimit (payload over
  // max_payload), kIo/kNoSpace (the append or the fdatasync failed: nothing was promised;
  // the record may still be replayed after a crash, so the files may appear then — twice at
  // worst, never lost), kInvalidArgument after close().
  maildir::Result<Pending> commit(const std::vector<JournalTarget>& targets,
                                  std::string_view message);

  // Runs a checkpoint now (see the top). OK also when there was nothing to do.
  maildir::Status checkpoint();

  // Stops the thread after a last checkpoint and removes the (then empty) active segment.
  // Later commits fail. Idempotent.
  void close();

  std::uint64_t syncs() const;        // fdatasyncs so far
  std::uint64_t records() const;      // records committed so far
  std::uint64_t checkpoints() const;  // segments retired so far

 private:
  explicit Journal(JournalOptions options) : options_(std::move(options)) {}
  maildir::Result<std::shared_ptr<Segment>> create_segment();
  maildir::Status renew(Segment& segment);  // a new id and header: empty again
  bool stopping_now() const;
  void release(Segment& segment);
  void run();

  JournalOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;    // segment state changed
  std::condition_variable wake_;  // the checkpoint thread: stop or a full segment
  std::mutex checkpoint_mutex_;   // one checkpoint at a time
  std::shared_ptr<Segment> active_;
  std::shared_ptr<Segment> spare_;  // a retired segment kept for reuse (checkpoint thread)
  bool stopping_ = false;
  bool closed_ = false;
  std::thread thread_;
  std::uint64_t syncs_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t checkpoints_ = 0;
};

// What recover_journal() did.
struct JournalRecovery {
  std::size_t segments = 0;        // segments replayed and removed
  std::size_t records = 0;         // complete records replayed
  std::size_t intact = 0;          // target files found with exactly the record's bytes
  std::size_t rewritten = 0;       // found torn/different: rewritten in place (flags kept)
  std::size_t redelivered = 0;     // missing: delivered again into new/ under their names
  std::size_t gone = 0;            // the mailbox folder no longer exists: skipped
  std::size_t kept = 0;            // segments left in place (an error; tried again next start)
  std::size_t skipped_live = 0;    // segments locked by a running process: left alone
  std::vector<std::string> notes;  // one line per torn tail or error, for the log
};

// Replays every segment in `dir` not held by a live process (see the top of journal.h and
// docs/smtp.md "Delivery journal"): for each record, each target must be <folder>/new/<name>
// or <folder>/cur/<name>:2,<flags> with exactly the record's bytes; a missing one is written
// again into new/, a different one is rewritten (tmp/, fsync, rename over it); the directories
// are fsync'ed, then the segment is removed. A torn or bad last record was never
// acknowledged and is ignored. A missing `dir` is no error. Blocking.
JournalRecovery recover_journal(const std::string& dir, std::uint64_t max_payload);

}  // namespace tegami_delivery
