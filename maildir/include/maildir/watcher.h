// Change detection for one mailbox folder: tells cheaply whether a sync might find something.
//
// A Watcher never reads messages and never changes anything: it only says "dirty". The daemon
// polls fd() in its event loop (no libuv here) and, when readable or on a timer, calls dirty();
// when that is true it runs Mailbox::sync() (in a worker thread) — the sync reads the files.
//
// Two mechanisms:
//   - inotify (local file systems): watches new/, cur/ and the folder directory (for
//     dovecot-uidlist and dovecot-keywords being replaced). fd() is the inotify descriptor,
//     non-blocking; dirty() drains it.
//   - stat polling (NFS, CephFS, GlusterFS/FUSE, or when inotify is unavailable): dirty()
//     compares the mtime (ns), size and inode of new/, cur/ and dovecot-uidlist with the
//     snapshot taken by the last clear(). fd() is -1; the daemon polls on a timer. A snapshot
//     of something modified less than a second before keeps reporting dirty (same-tick
//     changes leave mtimes equal), so the next poll syncs once more.
// Mode::kAuto uses inotify unless statfs() says the folder is on a network/cluster file system.
//
// Protocol: call clear() right BEFORE starting a sync, so a change made while the sync runs
// marks the watcher dirty again. Our own renames and deliveries also mark it dirty (harmless:
// the next sync is a cheap no-op or a rescan).
//
// Thread safety: one Watcher is used by one thread at a time. It owns its inotify fd.
#pragma once

#include <string>

#include "maildir/dir_stamp.h"
#include "maildir/status.h"

namespace maildir {

class Watcher {
 public:
  enum class Mode { kAuto, kInotify, kPoll };

  Watcher() = default;
  Watcher(Watcher&& other) noexcept;
  Watcher& operator=(Watcher&& other) noexcept;
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;
  ~Watcher();

  // Starts watching the folder directory `folder_dir` (the one holding new/ and cur/).
  // A new watcher starts dirty (nothing has been synced yet). kNotFound if new/ or cur/ is
  // missing; with kInotify, the inotify error if inotify cannot be set up (kAuto falls back to
  // polling instead).
  static Result<Watcher> open(const std::string& folder_dir, Mode mode = Mode::kAuto);

  // The inotify descriptor to poll for readability, or -1 in polling mode.
  int fd() const { return fd_; }
  bool uses_inotify() const { return fd_ >= 0; }

  // Non-blocking: true when something may have changed since the last clear(). Drains pending
  // inotify events. A watched directory replaced or removed also counts as dirty.
  bool dirty();

  // Forgets past changes (call right before a sync). In polling mode, takes a new snapshot.
  void clear();

 private:
  void close_fd();
  bool drain();
  bool stamps_changed() const;
  void take_snapshot();

  std::string dir_;
  int fd_ = -1;
  int wd_new_ = -1;
  int wd_cur_ = -1;
  int wd_dir_ = -1;
  bool dirty_ = true;
  bool unstable_ = false;  // polling: the snapshot is too recent to prove "unchanged"
  DirStamp snap_new_, snap_cur_, snap_uidlist_;
};

}  // namespace maildir
