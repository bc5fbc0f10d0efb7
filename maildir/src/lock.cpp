#include "maildir/lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <thread>

namespace maildir {

namespace {

std::atomic<unsigned> g_lock_counter{0};

std::string compute_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  std::string out;
  for (const char* p = buf; *p != '\0'; ++p) {
    if (*p == '/') {
      out += "\\057";
    } else if (*p == ':') {
      out += "\\072";
    } else {
      out += *p;
    }
  }
  return out;
}

struct Holder {
  long pid = 0;
  std::string host;
};

std::optional<Holder> read_holder(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[300];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  Holder h;
  char host[260] = {};
  if (std::sscanf(buf, "%ld %259s", &h.pid, host) != 2) return std::nullopt;
  h.host = host;
  return h;
}

// True when the lock at `path` (with stat `st`) may be broken.
bool is_stale(const std::string& path, const struct stat& st, const LockOptions& options) {
  std::optional<Holder> holder = read_holder(path);
  if (holder && holder->host == local_hostname() && holder->pid > 0) {
    if (kill(static_cast<pid_t>(holder->pid), 0) != 0 && errno == ESRCH) return true;
    if (holder->pid == getpid()) return false;  // held by another object of this process
  }
  return std::time(nullptr) - st.st_mtime > options.stale_after.count();
}

// Breaks a stale lock without racing another breaker: rename it to a unique name first, so
// only one process removes a given lock file, then check that it was still the stale one.
void break_lock(const std::string& path, const struct stat& seen) {
  std::string aside = path + ".stale." + std::to_string(getpid()) + "." +
                      std::to_string(g_lock_counter.fetch_add(1));
  if (rename(path.c_str(), aside.c_str()) != 0) return;
  struct stat st;
  if (lstat(aside.c_str(), &st) == 0 && st.st_ino != seen.st_ino) {
    // Someone replaced the stale lock with a fresh one between our stat and rename: put it back
    // unless yet another lock exists now.
    if (link(aside.c_str(), path.c_str()) != 0) {
      // Lost it; the fresh holder's release will find its lock gone (refresh → kNotFound).
    }
  }
  unlink(aside.c_str());
}

}  // namespace

const std::string& local_hostname() {
  static const std::string name = compute_hostname();
  return name;
}

DotLock::DotLock(DotLock&& other) noexcept : path_(std::move(other.path_)), ino_(other.ino_) {
  other.path_.clear();
}

DotLock& DotLock::operator=(DotLock&& other) noexcept {
  if (this != &other) {
    (void)release();
    path_ = std::move(other.path_);
    ino_ = other.ino_;
    other.path_.clear();
  }
  return *this;
}

DotLock::~DotLock() { (void)release(); }

Result<DotLock> DotLock::acquire(const std::string& path, const LockOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + options.wait;
  std::string tmp = path + "." + local_hostname() + "." + std::to_string(getpid()) + "." +
                    std::to_string(g_lock_counter.fetch_add(1));
  std::string content = std::to_string(getpid()) + " " + local_hostname() + "\n";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return from_errno("create lock temp " + tmp);
  ssize_t written = write(fd, content.data(), content.size());
  int write_errno = errno;
  close(fd);
  if (written != static_cast<ssize_t>(content.size())) {
    unlink(tmp.c_str());
    return from_errno(written < 0 ? write_errno : ENOSPC, "write lock temp " + tmp);
  }
  std::chrono::milliseconds backoff{5};
  while (true) {
    int rc = link(tmp.c_str(), path.c_str());
    int err = errno;
    struct stat st;
    // On NFS link() may report failure although it succeeded: the link count tells.
    if (rc == 0 || (lstat(tmp.c_str(), &st) == 0 && st.st_nlink == 2)) {
      struct stat mine;
      unsigned long long ino = lstat(tmp.c_str(), &mine) == 0 ? mine.st_ino : 0;
      unlink(tmp.c_str());
      return DotLock(path, ino);
    }
    if (err != EEXIST) {
      unlink(tmp.c_str());
      return from_errno(err, "link lock " + path);
    }
    struct stat held;
    if (lstat(path.c_str(), &held) == 0) {
      if (is_stale(path, held, options)) {
        break_lock(path, held);
        continue;
      }
    } else {
      continue;  // released between our link and lstat: try again at once
    }
    if (std::chrono::steady_clock::now() + backoff > deadline) {
      unlink(tmp.c_str());
      return Status(Code::kLocked, "lock " + path + " is held by another process");
    }
    std::this_thread::sleep_for(backoff);
    if (backoff < std::chrono::milliseconds(200)) backoff *= 2;
  }
}

Status DotLock::refresh() {
  if (path_.empty()) return Status(Code::kInvalidArgument, "lock not held");
  struct stat st;
  if (lstat(path_.c_str(), &st) != 0 || st.st_ino != ino_) {
    return Status(Code::kNotFound, "lock " + path_ + " was broken by another process");
  }
  if (utimensat(AT_FDCWD, path_.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) != 0) {
    return from_errno("touch lock " + path_);
  }
  return Status::Ok();
}

Status DotLock::release() {
  if (path_.empty()) return Status::Ok();
  std::string path = std::move(path_);
  path_.clear();
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || st.st_ino != ino_) return Status::Ok();  // not ours now
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return from_errno("unlink lock " + path);
  return Status::Ok();
}

}  // namespace maildir
