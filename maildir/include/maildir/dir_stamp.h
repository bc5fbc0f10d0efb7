// What stat() says about whether a directory (or file) changed: device, inode, mtime with
// nanoseconds, size. Equal stamps mean "probably unchanged" — but only if the stamp was taken
// when its mtime was already in the past: a change made in the same clock tick as the stat
// leaves the mtime equal (coarse kernel clocks; 1 s granularity on some NFS servers). So a
// stamp whose mtime is less than kStableAfterSec seconds older than the moment it was taken is
// "unstable" and never proves anything later (Dovecot's MAILDIR_SYNC_SECS rule).
//
// Thread safety: pure data and a stateless function.
#pragma once

#include <string>

#include "maildir/status.h"

namespace maildir {

inline constexpr long long kStableAfterSec = 1;

struct DirStamp {
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  long long mtime_sec = 0;
  long long mtime_nsec = 0;
  long long size = 0;
  bool exists = false;

  bool operator==(const DirStamp&) const = default;
  // True when the mtime is at least kStableAfterSec seconds before `now_sec` (or the path
  // does not exist).
  bool stable_at(long long now_sec) const {
    return !exists || mtime_sec < now_sec - kStableAfterSec;
  }
};

// stat()s `path`. A missing path gives a stamp with exists == false (not an error).
// kIo/kPermission for other failures.
Result<DirStamp> stamp_of(const std::string& path);

// The wall clock in whole seconds (what stable_at() compares with).
long long wall_clock_sec();

}  // namespace maildir
