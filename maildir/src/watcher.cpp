#include "maildir/watcher.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstring>

namespace maildir {

namespace {

constexpr const char* kUidlistName = "dovecot-uidlist";
constexpr const char* kKeywordsName = "dovecot-keywords";

constexpr uint32_t kDirEvents = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// In the folder directory only the uidlist and keywords files matter; they are replaced by
// rename (IN_MOVED_TO) or, by other tools, written in place (IN_CLOSE_WRITE).
constexpr uint32_t kFolderEvents =
    IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF;

// File systems where another host may change the files without inotify seeing it.
bool is_shared_fs(const std::string& path) {
  struct statfs sfs;
  if (statfs(path.c_str(), &sfs) != 0) return false;
  switch (static_cast<unsigned long>(sfs.f_type)) {
    case NFS_SUPER_MAGIC:
    case SMB_SUPER_MAGIC:
    case 0xFF534D42UL:  // CIFS
    case 0xFE534D42UL:  // SMB2
    case 0x00C36400UL:  // CephFS
    case 0x65735546UL:  // FUSE (GlusterFS, sshfs)
    case 0x6B414653UL:  // AFS
    case 0x47504653UL:  // GPFS
    case 0x0BD00BD0UL:  // Lustre
    case 0x564C0FEDUL:  // OCFS2 ("OCFS2" magic 0x7461636f is also used)
    case 0x7461636FUL:
      return true;
    default:
      return false;
  }
}

}  // namespace

Watcher::Watcher(Watcher&& other) noexcept {
  *this = std::move(other);
}

Watcher& Watcher::operator=(Watcher&& other) noexcept {
  if (this != &other) {
    close_fd();
    dir_ = std::move(other.dir_);
    fd_ = other.fd_;
    wd_new_ = other.wd_new_;
    wd_cur_ = other.wd_cur_;
    wd_dir_ = other.wd_dir_;
    dirty_ = other.dirty_;
    snap_new_ = other.snap_new_;
    snap_cur_ = other.snap_cur_;
    snap_uidlist_ = other.snap_uidlist_;
    unstable_ = other.unstable_;
    other.fd_ = -1;
  }
  return *this;
}

Watcher::~Watcher() {
  close_fd();
}

void Watcher::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<Watcher> Watcher::open(const std::string& folder_dir, Mode mode) {
  Watcher w;
  w.dir_ = folder_dir;
  for (const char* sub : {"/new", "/cur"}) {
    Result<DirStamp> s = stamp_of(folder_dir + sub);
    if (!s.ok()) return s.status();
    if (!s->exists) return Status(Code::kNotFound, folder_dir + sub + " does not exist");
  }
  if (mode == Mode::kAuto && is_shared_fs(folder_dir)) mode = Mode::kPoll;
  if (mode != Mode::kPoll) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      if (mode == Mode::kInotify) return from_errno("inotify_init1");
    } else {
      w.fd_ = fd;
      w.wd_new_ = inotify_add_watch(fd, (folder_dir + "/new").c_str(), kDirEvents);
      w.wd_cur_ = inotify_add_watch(fd, (folder_dir + "/cur").c_str(), kDirEvents);
      w.wd_dir_ = inotify_add_watch(fd, folder_dir.c_str(), kFolderEvents | IN_ONLYDIR);
      if (w.wd_new_ < 0 || w.wd_cur_ < 0 || w.wd_dir_ < 0) {
        Status err = from_errno("inotify_add_watch " + folder_dir);
        w.close_fd();
        if (mode == Mode::kInotify) return err;
      }
    }
  }
  w.take_snapshot();
  w.dirty_ = true;
  return w;
}

void Watcher::take_snapshot() {
  auto get = [](const std::string& p) {
    Result<DirStamp> s = stamp_of(p);
    return s.ok() ? *s : DirStamp{};
  };
  snap_new_ = get(dir_ + "/new");
  snap_cur_ = get(dir_ + "/cur");
  snap_uidlist_ = get(dir_ + "/" + kUidlistName);
  // A change in the same clock tick as the snapshot would leave the mtime equal: a snapshot of
  // something modified within the last second cannot prove "unchanged" later (Dovecot's rule).
  long long now = wall_clock_sec();
  unstable_ = false;
  for (const DirStamp* s : {&snap_new_, &snap_cur_, &snap_uidlist_}) {
    if (!s->stable_at(now)) unstable_ = true;
  }
}

bool Watcher::stamps_changed() const {
  auto get = [](const std::string& p) {
    Result<DirStamp> s = stamp_of(p);
    return s.ok() ? *s : DirStamp{};
  };
  return get(dir_ + "/new") != snap_new_ || get(dir_ + "/cur") != snap_cur_ ||
         get(dir_ + "/" + kUidlistName) != snap_uidlist_;
}

// Reads every pending event; returns true if one of them concerns the mailbox.
bool Watcher::drain() {
  alignas(struct inotify_event) char buf[8192];
  bool relevant = false;
  while (true) {
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: drained (errors other than EAGAIN: treat as drained too)
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + ev->len;
      if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        relevant = true;
        continue;
      }
      if (ev->wd == wd_dir_) {
        if (ev->len > 0 &&
            (std::strcmp(ev->name, kUidlistName) == 0 ||
             std::strcmp(ev->name, kKeywordsName) == 0 || std::strcmp(ev->name, "new") == 0 ||
             std::strcmp(ev->name, "cur") == 0)) {
          relevant = true;
        }
        continue;
      }
      relevant = true;  // any entry change in new/ or cur/
    }
  }
  return relevant;
}

bool Watcher::dirty() {
  if (dirty_) return true;
  if (fd_ >= 0) {
    if (drain()) dirty_ = true;
  } else if (unstable_ || stamps_changed()) {
    dirty_ = true;
  }
  return dirty_;
}

void Watcher::clear() {
  dirty_ = false;
  if (fd_ >= 0) {
    (void)drain();
    // Re-arm: if new/ or cur/ was replaced (a restore), this watches the new directory.
    wd_new_ = inotify_add_watch(fd_, (dir_ + "/new").c_str(), kDirEvents);
    wd_cur_ = inotify_add_watch(fd_, (dir_ + "/cur").c_str(), kDirEvents);
    wd_dir_ = inotify_add_watch(fd_, dir_.c_str(), kFolderEvents | IN_ONLYDIR);
    if (wd_new_ < 0 || wd_cur_ < 0 || wd_dir_ < 0) dirty_ = true;  // missing dir: sync reports it
  } else {
    take_snapshot();
  }
}

}  // namespace maildir
