// Dot-locks that work across processes and across hosts sharing a file system over NFS.
//
// Acquire writes a unique temporary file next to the lock (`<lock>.<host>.<pid>.<n>`, holding
// "<pid> <host>\n") and link(2)s it to the lock path; link is atomic on NFS where O_EXCL is not
// always. The lock is stale, and is broken, when
//   - its holder is on this host and that pid no longer runs (crash), or
//   - its mtime is older than `stale_after` (a holder on another host that stopped refreshing).
// A long holder (a POP3 session) calls refresh() more often than stale_after to stay fresh.
// Used for `dovecot-uidlist.lock` (stale after 120 s, as Dovecot) and POP3's per-mailbox lock.
//
// Thread safety: a DotLock object is owned by one thread; different objects may be used freely.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "maildir/status.h"

namespace maildir {

struct LockOptions {
  std::chrono::seconds stale_after{120};
  // How long acquire() retries while the lock is held; zero = one attempt.
  std::chrono::milliseconds wait{0};
};

class DotLock {
 public:
  DotLock() = default;
  DotLock(DotLock&& other) noexcept;
  DotLock& operator=(DotLock&& other) noexcept;
  DotLock(const DotLock&) = delete;
  DotLock& operator=(const DotLock&) = delete;
  ~DotLock();  // releases if held

  // Takes the lock at `path`. Returns kLocked if someone else holds a fresh lock (after
  // `options.wait`), kIo/kPermission/kNoSpace if the directory cannot be written.
  static Result<DotLock> acquire(const std::string& path, const LockOptions& options = {});

  bool held() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

  // Updates the lock's mtime so that other hosts keep seeing it fresh. kNotFound if the lock
  // was broken by someone else in the meantime (the holder should stop).
  Status refresh();

  // Removes the lock if this object still owns it (checked by inode). Idempotent.
  Status release();

 private:
  explicit DotLock(std::string path, unsigned long long ino) : path_(std::move(path)), ino_(ino) {}
  std::string path_;
  unsigned long long ino_ = 0;
};

// This host's name as used in unique names and lock files ('/' → "\057", ':' → "\072").
const std::string& local_hostname();

}  // namespace maildir
