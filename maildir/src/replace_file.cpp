#include "replace_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace maildir::internal {

Result<std::string> read_state_file(int fd, std::size_t size, const std::string& path) {
  std::string content(size, '\0');
  std::size_t got = 0;
  while (got < content.size()) {
    ssize_t n = read(fd, content.data() + got, content.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return from_errno(errno, "read " + path);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  content.resize(got);
  return content;
}

Status sync_dir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return from_errno("open directory " + dir);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return from_errno(err, "fsync directory " + dir);
  return Status::Ok();
}

Status replace_file(const std::string& dir, std::string_view name, std::string_view tmp_name,
                    std::string_view content, std::int64_t min_mtime, struct stat* out) {
  std::string tmp = dir + "/" + std::string(tmp_name);
  std::string path = dir + "/" + std::string(name);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return from_errno("create " + tmp);
  auto fail = [&](int err, const std::string& what) {
    close(fd);
    unlink(tmp.c_str());
    return from_errno(err, what + " " + tmp);
  };
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "write");
    }
    if (n == 0) return fail(ENOSPC, "write");
    done += static_cast<std::size_t>(n);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) return fail(errno, "fstat");
  if (min_mtime > 0 && st.st_mtim.tv_sec < min_mtime) {
    struct timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = static_cast<time_t>(min_mtime);
    times[1].tv_nsec = 0;
    if (futimens(fd, times) != 0) return fail(errno, "futimens");
  }
  if (fsync(fd) != 0) return fail(errno, "fsync");
  if (fstat(fd, &st) != 0) return fail(errno, "fstat");
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return from_errno(err, "close " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return from_errno(err, "rename " + tmp + " -> " + path);
  }
  if (out != nullptr) *out = st;
  return sync_dir(dir);
}

}  // namespace maildir::internal
