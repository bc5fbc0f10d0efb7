// The per-list serial number (X-Mail-Count, the subject tag): a durable counter that never
// repeats or skips a number for two different posts.
//
// State: `<mail_root>/<domain>/.lists/<list>/serial` holds the last number given, "<n>\n"
// (missing = 0). A post holds the dot-lock `serial.lock` next to it (maildir/lock.h: across
// threads, processes and NFS hosts) from the moment it reads the number until the post is
// durable in every member's Maildir and in the queue; only then the file is replaced with
// n (temp file, fsync, rename, fsync of the directory) and the lock released. So:
//   - concurrent posts are serialised: each gets last+1 in commit order;
//   - a post that fails (disk full, queue error) releases the lock without writing: the
//     number is given to the next post (no gap);
//   - a crash before the counter is written leaves the old number: the client got no 250 and
//     sends the same post again, which gets the same number (no gap; the members that already
//     had it see that post twice under its one number — never two posts under one number).
// An unreadable or unparsable counter file is kCorrupt: posts are refused temporarily rather
// than numbered from 1 again. Blocking: worker threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "maildir/lock.h"
#include "maildir/status.h"

namespace tegami_lists {

class SerialCounter {
 public:
  // Creates `state_dir` when missing, takes the lock (retrying up to `wait`) and reads the
  // counter. Errors: kLocked (still held after `wait`), kCorrupt, kIo/kNoSpace/kPermission.
  static maildir::Result<SerialCounter> lock(const std::string& state_dir,
                                             std::chrono::milliseconds wait);

  std::uint64_t last() const { return last_; }
  // Writes `n` durably. REQUIRES: the lock is held.
  maildir::Status commit(std::uint64_t n);

 private:
  SerialCounter(std::string dir, std::unique_lock<std::timed_mutex> local, maildir::DotLock lock,
                std::uint64_t last)
      : dir_(std::move(dir)), local_(std::move(local)), lock_(std::move(lock)), last_(last) {}
  std::string dir_;
  std::unique_lock<std::timed_mutex> local_;  // released after lock_ (declared before it)
  maildir::DotLock lock_;
  std::uint64_t last_ = 0;
};

// Reads the counter without the lock (for `tegami list show`): 0 when missing.
maildir::Result<std::uint64_t> read_serial(const std::string& state_dir);

}  // namespace tegami_lists
