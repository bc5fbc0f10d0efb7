#include "maildir/recent.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>

#include "maildir/lock.h"
#include "maildir/uidlist.h"
#include "replace_file.h"

namespace maildir {

namespace {

constexpr std::size_t kMaxRecordSize = 64;

// R from the file for `uidvalidity`; nullopt when there is no usable record.
std::optional<std::uint32_t> read_record(const std::string& folder_dir, std::uint32_t uidvalidity) {
  const std::string path = folder_dir + "/" + kRecentFileName;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  Result<std::string> text = internal::read_state_file(fd, kMaxRecordSize, path);
  ::close(fd);
  if (!text.ok()) return std::nullopt;
  unsigned long v = 0;
  unsigned long r = 0;
  char nl = 0;
  if (std::sscanf(text->c_str(), "V%lu R%lu%c", &v, &r, &nl) != 3 || nl != '\n') {
    return std::nullopt;
  }
  if (v != uidvalidity || r > 0xffffffffUL) return std::nullopt;
  return static_cast<std::uint32_t>(r);
}

// Temporary file + rename, without fsync: the record is not mail (a crash may lose the last
// claims or leave an empty file, which reads as "no record": nobody gets those messages as
// recent again, or the fallback applies). Saves two fsyncs per claim on a busy folder.
// REQUIRES: the uidlist lock (the temporary name is fixed).
Status write_record(const std::string& folder_dir, const std::string& line) {
  const std::string tmp = folder_dir + "/" + kRecentFileName + ".tmp";
  const std::string path = folder_dir + "/" + kRecentFileName;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return from_errno("open " + tmp);
  ssize_t n = ::write(fd, line.data(), line.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    ::unlink(tmp.c_str());
    return n < 0 ? from_errno(err, "write " + tmp) : Status(Code::kNoSpace, "short write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return from_errno(err, "rename " + tmp);
  }
  return {};
}

}  // namespace

std::uint32_t recent_boundary(const std::string& folder_dir, std::uint32_t uidvalidity,
                              std::uint32_t fallback) {
  return read_record(folder_dir, uidvalidity).value_or(fallback);
}

Result<std::uint32_t> claim_recent(const std::string& folder_dir, std::uint32_t uidvalidity,
                                   std::uint32_t next_uid, std::uint32_t fallback,
                                   std::chrono::milliseconds lock_wait) {
  // Cheap refusal without the lock: someone already got everything we see.
  std::optional<std::uint32_t> seen = read_record(folder_dir, uidvalidity);
  if (seen && *seen >= next_uid) return next_uid;
  LockOptions lo;
  lo.wait = lock_wait;
  Result<DotLock> lock = DotLock::acquire(folder_dir + "/" + std::string(kUidListLockName), lo);
  if (!lock.ok()) return lock.status();
  std::optional<std::uint32_t> record = read_record(folder_dir, uidvalidity);
  if (record && *record >= next_uid) return next_uid;
  // Without a record one is started even when nothing is claimed, so that mail appended to
  // cur/ later (IMAP APPEND, COPY) is recent for the next session that sees it.
  std::uint32_t r = record.value_or(fallback);
  std::uint32_t new_r = std::max(r, next_uid);
  std::string line = "V" + std::to_string(uidvalidity) + " R" + std::to_string(new_r) + "\n";
  Status st = write_record(folder_dir, line);
  if (!st.ok()) return st;
  return std::min(r, next_uid);
}

}  // namespace maildir
