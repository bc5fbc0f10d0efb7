#include "lists/serial.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>

namespace tegami_lists {

namespace {

maildir::Status make_dirs(const std::string& dir) {
  for (size_t p = 1; p <= dir.size(); ++p) {
    if (p < dir.size() && dir[p] != '/') continue;
    std::string part = dir.substr(0, p);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      return maildir::from_errno("mkdir " + part);
  }
  return maildir::Status::Ok();
}

maildir::Status fsync_path(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return maildir::from_errno("open " + path);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return maildir::from_errno(err, "fsync " + path);
  return maildir::Status::Ok();
}

// One mutex per state directory, for the posts of this process.
std::timed_mutex& local_mutex(const std::string& dir) {
  static std::mutex guard;
  static std::map<std::string, std::unique_ptr<std::timed_mutex>> mutexes;
  std::lock_guard<std::mutex> g(guard);
  auto& m = mutexes[dir];
  if (!m) m = std::make_unique<std::timed_mutex>();
  return *m;
}

}  // namespace

maildir::Result<std::uint64_t> read_serial(const std::string& state_dir) {
  std::string path = state_dir + "/serial";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::uint64_t{0};
    return maildir::from_errno("open " + path);
  }
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf);
  int err = errno;
  close(fd);
  if (n < 0) return maildir::from_errno(err, "read " + path);
  std::uint64_t v = 0;
  ssize_t i = 0;
  for (; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    if (v > (UINT64_MAX - 9) / 10) break;
    v = v * 10 + static_cast<std::uint64_t>(buf[i] - '0');
  }
  if (i == 0 || i >= n || buf[i] != '\n')
    return maildir::Status(maildir::Code::kCorrupt, "unparsable list counter " + path);
  return v;
}

maildir::Result<SerialCounter> SerialCounter::lock(const std::string& state_dir,
                                                   std::chrono::milliseconds wait) {
  std::unique_lock<std::timed_mutex> local(local_mutex(state_dir), std::defer_lock);
  auto start = std::chrono::steady_clock::now();
  if (!local.try_lock_for(wait))
    return maildir::Status(maildir::Code::kLocked, "list " + state_dir + " is busy");
  if (auto s = make_dirs(state_dir); !s.ok()) return s;
  maildir::LockOptions lo;
  lo.wait = std::max(std::chrono::milliseconds(0),
                     wait - std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start));
  auto lock = maildir::DotLock::acquire(state_dir + "/serial.lock", lo);
  if (!lock.ok()) return lock.status();
  auto last = read_serial(state_dir);
  if (!last.ok()) return last.status();
  return SerialCounter(state_dir, std::move(local), std::move(lock).value(), *last);
}

maildir::Status SerialCounter::commit(std::uint64_t n) {
  std::string tmp = dir_ + "/serial.tmp";
  std::string text = std::to_string(n) + "\n";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return maildir::from_errno("create " + tmp);
  ssize_t w = write(fd, text.data(), text.size());
  int err = errno;
  if (w != static_cast<ssize_t>(text.size()) || fsync(fd) != 0) {
    err = w < 0 ? err : (w != static_cast<ssize_t>(text.size()) ? ENOSPC : errno);
    close(fd);
    unlink(tmp.c_str());
    return maildir::from_errno(err, "write " + tmp);
  }
  close(fd);
  if (rename(tmp.c_str(), (dir_ + "/serial").c_str()) != 0)
    return maildir::from_errno("rename " + tmp);
  if (auto s = fsync_path(dir_, O_RDONLY | O_DIRECTORY); !s.ok()) return s;
  last_ = n;
  return maildir::Status::Ok();
}

}  // namespace tegami_lists
