#include "maildir/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>

namespace maildir {

Env& Env::posix() {
  static Env env;
  return env;
}

Result<int> Env::open(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return from_errno("open " + path);
  return fd;
}

Status Env::write(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return from_errno("write");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

Result<size_t> Env::read(int fd, void* data, size_t n) {
  for (;;) {
    ssize_t r = ::read(fd, data, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EINTR) return from_errno("read");
  }
}

Status Env::fsync(int fd) {
  if (::fsync(fd) != 0) return from_errno("fsync");
  return Status::Ok();
}

Status Env::set_mtime(int fd, const struct timespec& mtime) {
  struct timespec times[2] = {mtime, mtime};
  if (::futimens(fd, times) != 0) return from_errno("futimens");
  return Status::Ok();
}

Status Env::close(int fd) {
  // Linux releases the descriptor even when close fails; never retry.
  if (::close(fd) != 0 && errno != EINTR) return from_errno("close");
  return Status::Ok();
}

Status Env::rename(const std::string& from, const std::string& to, RenameMode mode) {
  if (mode == RenameMode::kNoReplace) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
      return Status::Ok();
    }
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
      return from_errno("rename " + from + " -> " + to);
    }
    // The file system has no RENAME_NOREPLACE (NFS): link refuses an existing target.
    if (::link(from.c_str(), to.c_str()) == 0) {
      ::unlink(from.c_str());
      return Status::Ok();
    }
    if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP) {
      return from_errno("link " + from + " -> " + to);
    }
    // No hard links either: the unique name is all that protects the target.
  }
  if (::rename(from.c_str(), to.c_str()) != 0) return from_errno("rename " + from + " -> " + to);
  return Status::Ok();
}

Status Env::link(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) != 0) return from_errno("link " + from + " -> " + to);
  return Status::Ok();
}

Status Env::unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return from_errno("unlink " + path);
  return Status::Ok();
}

Status Env::sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return from_errno("open directory " + dir);
  Status st;
  if (::fsync(fd) != 0) st = from_errno("fsync directory " + dir);
  ::close(fd);
  return st;
}

Status Env::sync_filesystem(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return from_errno("open " + path);
  Status st;
  if (::syncfs(fd) != 0) st = from_errno("syncfs " + path);
  ::close(fd);
  return st;
}

Result<struct stat> Env::stat(const std::string& path, bool follow_symlinks) {
  struct stat st {};
  int rc = follow_symlinks ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
  if (rc != 0) return from_errno("stat " + path);
  return st;
}

Result<std::vector<std::string>> Env::list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return from_errno("opendir " + dir);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return from_errno(err, "readdir " + dir);
  return names;
}

}  // namespace maildir
