// maildirsize: reading, appending and recalculating (see quota.h for the rules and FORMATS.md
// for the format).
//
// Why a lock at all: Courier and Dovecot append to maildirsize without one and accept that a
// recalculation racing with a delivery can miss or double-count it (the delivery's rename
// before the scan, its appended line after the rename over the file). tegami wants the totals
// to equal a recount whenever only tegami processes write, so update() holds flock(LOCK_SH) on
// the root directory from the rename/unlink to the end of the appended line, and recalculate()
// holds LOCK_EX from the directory scan to the rename of the new file. Deliveries never wait on
// each other, only on a (rare) recalculation. flock on a directory needs no extra file in the
// Maildir; where it fails (NFS) we go on unlocked, as Courier does.
#include "maildir/quota.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <map>

#include "maildir/delivery.h"

namespace maildir {

namespace {

constexpr const char* kFileName = "maildirsize";
constexpr std::int64_t kRecalcFileSize = 5120;
constexpr time_t kTrustedAgeSeconds = 15 * 60;
constexpr int kMaxRecalcRounds = 5;
constexpr size_t kMaxReadSize = 64 * 1024;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Parses a signed decimal at the front of `s` and removes it. False when there is none.
bool take_int(std::string_view& s, std::int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr == s.data()) return false;
  s.remove_prefix(static_cast<size_t>(ptr - s.data()));
  return true;
}

// An exclusive or shared flock(2) on the root directory, released on destruction. Holds
// nothing when the file system refuses (see the top of this file).
class DirFlock {
 public:
  DirFlock(const std::string& dir, int op) {
    fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) return;
    int rc;
    do {
      rc = ::flock(fd_, op);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~DirFlock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  DirFlock(const DirFlock&) = delete;
  DirFlock& operator=(const DirFlock&) = delete;

 private:
  int fd_ = -1;
};

// The `,S=<n>` of a file name (before the info), if any.
std::optional<std::uint64_t> size_from_name(std::string_view name) {
  size_t colon = name.find(':');
  std::string_view base = name.substr(0, colon);
  size_t pos = base.find(",S=");
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view digits = base.substr(pos + 3);
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr == digits.data()) return std::nullopt;
  if (ptr != digits.data() + digits.size() && *ptr != ',') return std::nullopt;
  return v;
}

// True when the name's Maildir info has the T (trashed) flag.
bool has_trashed_flag(std::string_view name) {
  size_t pos = name.find(":2,");
  if (pos == std::string_view::npos) return false;
  std::string_view flags = name.substr(pos + 3);
  flags = flags.substr(0, flags.find(','));
  return flags.find('T') != std::string_view::npos;
}

struct DirStamp {
  std::string path;
  struct timespec mtime {};
  ino_t ino = 0;
  bool operator==(const DirStamp& o) const {
    return path == o.path && ino == o.ino && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

}  // namespace

std::string format_quota_limit(const QuotaLimit& limit) {
  std::string out;
  if (limit.bytes != 0) out += std::to_string(limit.bytes) + "S";
  if (limit.count != 0) {
    if (!out.empty()) out += ",";
    out += std::to_string(limit.count) + "C";
  }
  return out;
}

Result<QuotaLimit> parse_quota_limit(std::string_view line) {
  QuotaLimit limit;
  line = trim(line);
  if (line.empty()) return limit;
  while (!line.empty()) {
    size_t comma = line.find(',');
    std::string_view part = trim(line.substr(0, comma));
    line = comma == std::string_view::npos ? std::string_view() : line.substr(comma + 1);
    if (comma != std::string_view::npos && trim(line).empty()) {
      return Status(Code::kCorrupt, "maildirsize: bad quota definition");
    }
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || ptr == part.data() || ptr + 1 != part.data() + part.size()) {
      return Status(Code::kCorrupt, "maildirsize: bad quota definition");
    }
    if (*ptr == 'S') {
      limit.bytes = v;
    } else if (*ptr == 'C') {
      limit.count = v;
    } else {
      return Status(Code::kCorrupt, "maildirsize: bad quota definition");
    }
  }
  return limit;
}

MaildirSize parse_maildirsize(std::string_view content) {
  MaildirSize out;
  if (content.empty()) {
    out.valid = false;  // not even a first line: a truncated file
    return out;
  }
  size_t nl = content.find('\n');
  Result<QuotaLimit> limit = parse_quota_limit(content.substr(0, nl));
  if (limit.ok()) {
    out.limit = *limit;
  } else {
    out.valid = false;
  }
  content = nl == std::string_view::npos ? std::string_view() : content.substr(nl + 1);
  while (!content.empty()) {
    nl = content.find('\n');
    std::string_view line = trim(content.substr(0, nl));
    content = nl == std::string_view::npos ? std::string_view() : content.substr(nl + 1);
    if (line.empty()) continue;
    std::int64_t b = 0, c = 0;
    if (!take_int(line, b)) {
      out.valid = false;
      continue;
    }
    line = trim(line);
    if (!take_int(line, c) || !trim(line).empty()) {
      out.valid = false;
      continue;
    }
    if (__builtin_add_overflow(out.bytes, b, &out.bytes) ||
        __builtin_add_overflow(out.count, c, &out.count)) {
      out.valid = false;
    }
    ++out.lines;
  }
  return out;
}

Quota::Quota(std::string root_dir, QuotaOptions options)
    : root_(std::move(root_dir)), options_(std::move(options)) {}

namespace {

struct Loaded {
  bool exists = false;
  MaildirSize file;
  std::int64_t file_size = 0;
  time_t mtime = 0;
};

Result<Loaded> read_file(Env& env, const std::string& path) {
  Loaded out;
  Result<int> fd = env.open(path, O_RDONLY, 0);
  if (!fd.ok()) {
    if (fd.status().code() == Code::kNotFound) return out;
    return fd.status();
  }
  out.exists = true;
  std::string content;
  Status st;
  Result<struct stat> s = env.stat(path);
  if (!s.ok()) {
    st = s.status();
  } else {
    out.file_size = s->st_size;
    out.mtime = s->st_mtime;
    char buf[8192];
    while (content.size() < kMaxReadSize) {
      Result<size_t> n = env.read(*fd, buf, sizeof buf);
      if (!n.ok()) {
        st = n.status();
        break;
      }
      if (*n == 0) break;
      content.append(buf, *n);
    }
  }
  Status closed = env.close(*fd);
  if (!st.ok()) return st;
  if (!closed.ok()) return closed;
  // The stat above may predate an append; the content read is what counts.
  out.file_size = std::max<std::int64_t>(out.file_size, static_cast<std::int64_t>(content.size()));
  out.file = parse_maildirsize(content);
  return out;
}

bool is_over(std::int64_t bytes, std::int64_t count, const QuotaLimit& limit) {
  return (limit.bytes != 0 && bytes >= static_cast<std::int64_t>(limit.bytes)) ||
         (limit.count != 0 && count >= static_cast<std::int64_t>(limit.count));
}

Status verdict(const QuotaUsage& u, std::uint64_t size, QuotaPolicy policy, std::uint64_t grace) {
  const QuotaLimit& l = u.limit;
  const auto sz = static_cast<std::int64_t>(size);
  if (l.count != 0 && u.count + 1 > static_cast<std::int64_t>(l.count)) {
    return Status(Code::kOverQuota, "mailbox is full: " + std::to_string(u.count) + " of " +
                                        std::to_string(l.count) + " messages");
  }
  if (l.bytes == 0) return Status::Ok();
  const auto lim = static_cast<std::int64_t>(l.bytes);
  if (policy == QuotaPolicy::kStrict) {
    if (u.bytes + sz > lim) {
      return Status(Code::kOverQuota, "message of " + std::to_string(size) +
                                          " bytes does not fit: " + std::to_string(u.bytes) +
                                          " of " + std::to_string(lim) + " bytes used");
    }
    return Status::Ok();
  }
  if (u.bytes >= lim) {
    return Status(Code::kOverQuota, "mailbox is full: " + std::to_string(u.bytes) + " of " +
                                        std::to_string(lim) + " bytes used");
  }
  if (u.bytes + sz > lim + static_cast<std::int64_t>(grace)) {
    return Status(Code::kOverQuota,
                  "message of " + std::to_string(size) + " bytes exceeds the quota's grace: " +
                      std::to_string(u.bytes) + " of " + std::to_string(lim) + " bytes used");
  }
  return Status::Ok();
}

}  // namespace

Result<QuotaUsage> Quota::usage() const {
  Env& e = env();
  const std::string path = root_ + "/" + kFileName;
  Result<Loaded> loaded = read_file(e, path);
  if (!loaded.ok()) return loaded.status();
  const Loaded& l = *loaded;
  if (!l.exists) {
    // No file and no quota configured: count, but do not create a file nobody asked for.
    if (!options_.limit || options_.limit->unlimited()) {
      Result<QuotaUsage> u = recalculate_impl(false);
      return u;
    }
    return recalculate();
  }
  QuotaLimit limit = options_.limit ? *options_.limit : l.file.limit;
  bool recalc = !l.file.valid || l.file.bytes < 0 || l.file.count < 0 ||
                l.file_size >= kRecalcFileSize ||
                (options_.limit && l.file.limit != *options_.limit);
  if (!recalc && is_over(l.file.bytes, l.file.count, limit)) {
    recalc = l.file.lines > 1 || time(nullptr) - l.mtime > kTrustedAgeSeconds;
  }
  if (recalc) return recalculate();
  QuotaUsage u;
  u.bytes = l.file.bytes;
  u.count = l.file.count;
  u.limit = limit;
  return u;
}

Status Quota::check(std::uint64_t size, QuotaPolicy policy) const {
  if (options_.limit && options_.limit->unlimited()) return Status::Ok();
  if (!options_.limit) {
    // The limit comes from the file: no file, no quota (and no scan on every delivery).
    Result<struct stat> s = env().stat(root_ + "/" + kFileName);
    if (!s.ok()) return s.status().code() == Code::kNotFound ? Status::Ok() : s.status();
  }
  Result<QuotaUsage> u = usage();
  if (!u.ok()) return u.status();
  Status st = verdict(*u, size, policy, options_.grace_bytes);
  if (st.ok() || u->recalculated) return st;
  // A refusal is only trusted from a fresh count: the file may have drifted (foreign writers).
  Result<QuotaUsage> fresh = recalculate();
  if (!fresh.ok()) return fresh.status();
  return verdict(*fresh, size, policy, options_.grace_bytes);
}

Status Quota::record(std::int64_t delta_bytes, std::int64_t delta_count) const {
  Env& e = env();
  const std::string path = root_ + "/" + kFileName;
  Result<int> fd = e.open(path, O_WRONLY | O_APPEND, 0);
  if (!fd.ok()) {
    // No file: the next usage() recounts from the messages, which already include this change.
    if (fd.status().code() == Code::kNotFound) return Status::Ok();
    return fd.status();
  }
  char line[64];
  int n = std::snprintf(line, sizeof line, "%lld %lld\n", static_cast<long long>(delta_bytes),
                        static_cast<long long>(delta_count));
  Status st = e.write(*fd, line, static_cast<size_t>(n));
  // A close error after a complete write is ignored: the line is in the file, and reporting a
  // failure would make the caller undo a change that the file already counts.
  (void)e.close(*fd);
  return st;
}

Status Quota::update(std::int64_t delta_bytes, std::int64_t delta_count,
                     const std::function<Status()>& op) const {
  DirFlock lock(root_, LOCK_SH);
  Status st = op();
  if (!st.ok()) return st;
  return record(delta_bytes, delta_count);
}

Result<QuotaUsage> Quota::recalculate() const {
  return recalculate_impl(true);
}

Result<QuotaUsage> Quota::recalculate_impl(bool write_file) const {
  Env& e = env();
  DirFlock lock(root_, LOCK_EX);
  const std::string path = root_ + "/" + kFileName;

  QuotaLimit limit;
  if (options_.limit) {
    limit = *options_.limit;
  } else {
    Result<Loaded> old = read_file(e, path);
    if (old.ok() && old->exists && old->file.valid) limit = old->file.limit;
  }

  // The directories that hold messages: new/ and cur/ of the root and of every folder.
  auto message_dirs = [&]() -> Result<std::vector<DirStamp>> {
    std::vector<std::string> folders{root_};
    Result<std::vector<std::string>> names = e.list_dir(root_);
    if (!names.ok()) return names.status();
    std::sort(names->begin(), names->end());
    for (const std::string& n : *names) {
      if (n.size() < 2 || n[0] != '.' || n == "..") continue;
      if (!options_.count_trash && n == ".Trash") continue;
      Result<struct stat> s = e.stat(root_ + "/" + n, false);
      if (!s.ok() || !S_ISDIR(s->st_mode)) continue;  // vanished, a symlink, or a file
      folders.push_back(root_ + "/" + n);
    }
    std::vector<DirStamp> dirs;
    for (const std::string& f : folders) {
      for (const char* sub : {"/new", "/cur"}) {
        Result<struct stat> s = e.stat(f + sub, false);
        if (!s.ok() || !S_ISDIR(s->st_mode)) continue;
        dirs.push_back(DirStamp{f + sub, s->st_mtim, s->st_ino});
      }
    }
    return dirs;
  };

  QuotaUsage u;
  u.limit = limit;
  for (int round = 0; round < kMaxRecalcRounds; ++round) {
    Result<std::vector<DirStamp>> before = message_dirs();
    if (!before.ok()) return before.status();
    std::int64_t bytes = 0, count = 0;
    for (const DirStamp& d : *before) {
      Result<std::vector<std::string>> names = e.list_dir(d.path);
      if (!names.ok()) {
        if (names.status().code() == Code::kNotFound) continue;  // folder deleted meanwhile
        return names.status();
      }
      for (const std::string& n : *names) {
        if (n.empty() || n[0] == '.') continue;
        if (!options_.count_trash && has_trashed_flag(n)) continue;
        std::optional<std::uint64_t> size = size_from_name(n);
        if (!size) {
          Result<struct stat> s = e.stat(d.path + "/" + n, false);
          if (!s.ok() || !S_ISREG(s->st_mode)) continue;  // vanished (expunged meanwhile)
          size = static_cast<std::uint64_t>(s->st_size);
        }
        bytes += static_cast<std::int64_t>(*size);
        ++count;
      }
    }
    u.bytes = bytes;
    u.count = count;
    if (!write_file) return u;

    // Write tmp/<unique>.maildirsize, fsync, rename over maildirsize.
    std::string content = format_quota_limit(limit) + "\n" + std::to_string(bytes) + " " +
                          std::to_string(count) + "\n";
    std::string tmp = root_ + "/tmp/" + make_unique_name() + ".maildirsize";
    Result<int> fd = e.open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (!fd.ok()) return fd.status();
    Status st = e.write(*fd, content.data(), content.size());
    if (st.ok()) st = e.fsync(*fd);
    Status closed = e.close(*fd);
    if (st.ok()) st = closed;
    if (st.ok()) st = e.rename(tmp, path);
    if (!st.ok()) {
      (void)e.unlink(tmp);
      return st;
    }
    u.recalculated = true;

    Result<std::vector<DirStamp>> after = message_dirs();
    if (!after.ok()) return after.status();
    if (*after == *before) break;
    // Something changed while we counted (a writer that takes no lock): count again.
  }
  return u;
}

}  // namespace maildir
