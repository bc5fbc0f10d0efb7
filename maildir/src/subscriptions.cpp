// Subscriptions in Dovecot's `subscriptions` file (v2 written; v1 and Courier read).
#include "maildir/subscriptions.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "maildir/lock.h"
#include "maildir/mailbox_name.h"
#include "maildir/mutf7.h"

namespace maildir {

namespace {

constexpr std::string_view kFile = "subscriptions";
constexpr std::string_view kCourierFile = "courierimapsubscribed";
constexpr std::string_view kV2Header = "V\t2\n\n";
constexpr size_t kMaxFileBytes = 4 << 20;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t end = s.find(sep, pos);
    if (end == std::string_view::npos) {
      out.push_back(s.substr(pos));
      return out;
    }
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
}

// One level of a name read from a file in modified UTF-7: decoded strictly. A level that is not
// modified UTF-7 is taken as UTF-8 (validated later) when it has 8-bit bytes (written by a
// UTF-8 tool), or when `ascii_fallback` (Courier, whose UTF-8 mode writes "R&D" as is); else it
// becomes an invalid name, so that non-canonical forms like "&AC4ALg-" are dropped.
std::string level_from_legacy(std::string_view level, bool ascii_fallback) {
  Result<std::string> decoded = decode_mutf7(level);
  if (decoded) return *decoded;
  bool ascii = true;
  for (char c : level) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (!ascii || ascii_fallback) return std::string(level);
  return "\t";  // refused by normalize_mailbox_name
}

// Adds `name` (levels joined with '/') if it is a valid mailbox name.
void add_if_valid(std::vector<std::string>& names, const std::string& name) {
  Result<std::string> canonical = normalize_mailbox_name(name);
  if (canonical) names.push_back(std::move(*canonical));
}

void sort_unique(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

// Reads a small file in the Maildir root. nullopt-like: kNotFound if missing.
Result<std::string> read_small_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return from_errno("open " + path);
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = from_errno("read " + path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxFileBytes) {
      ::close(fd);
      return Status(Code::kLimit,
                    path + " is larger than " + std::to_string(kMaxFileBytes) + " bytes");
    }
  }
  ::close(fd);
  return out;
}

std::string unique_tmp_name() {
  static std::atomic<unsigned long> counter{0};
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return "subscriptions." + std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" +
         std::to_string(::getpid()) + "Q" + std::to_string(++counter) + "." + local_hostname();
}

}  // namespace

Subscriptions Subscriptions::parse_dovecot(std::string_view contents, NameEncoding encoding) {
  Subscriptions subs;
  bool v2 = contents.substr(0, kV2Header.size()) == kV2Header;
  if (v2) contents.remove_prefix(kV2Header.size());
  for (std::string_view line : split(contents, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::string name;
    if (v2) {
      // Levels separated by TAB, in the tree's encoding. (Dovecot escapes TAB, LF, CR and
      // \001 inside a level with \001; such names have control characters, which tegami
      // refuses: dropped.)
      bool first = true;
      for (std::string_view level : split(line, '\t')) {
        if (!first) name += kHierarchySeparator;
        first = false;
        if (level.empty()) {
          name += '\t';  // keeps an empty level invalid
        } else {
          name += encoding == NameEncoding::kModifiedUtf7 ? level_from_legacy(level, false)
                                                          : std::string(level);
        }
      }
    } else {
      // Version 1: the names with the hierarchy separator, '/' or Maildir++'s '.'.
      char sep = line.find('/') != std::string_view::npos ? '/' : '.';
      for (std::string_view level : split(line, sep)) {
        if (!name.empty()) name += kHierarchySeparator;
        name += level.empty() ? std::string("\t") : level_from_legacy(level, false);
      }
    }
    add_if_valid(subs.names_, name);
  }
  sort_unique(subs.names_);
  return subs;
}

Subscriptions Subscriptions::parse_courier(std::string_view contents) {
  Subscriptions subs;
  for (std::string_view line : split(contents, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    // Courier's namespace: "INBOX" is INBOX, "INBOX.Sent.2024" is Sent/2024.
    if (is_inbox(line)) {
      subs.names_.emplace_back(kInbox);
      continue;
    }
    if (line.size() <= 6 || !is_inbox(line.substr(0, 5)) || line[5] != '.') continue;
    line.remove_prefix(6);
    std::string name;
    for (std::string_view level : split(line, '.')) {
      if (!name.empty()) name += kHierarchySeparator;
      name += level.empty() ? std::string("\t") : level_from_legacy(level, true);
    }
    add_if_valid(subs.names_, name);
  }
  sort_unique(subs.names_);
  return subs;
}

Result<Subscriptions> Subscriptions::load(const std::string& root, NameEncoding encoding) {
  Result<std::string> data = read_small_file(root + "/" + std::string(kFile));
  if (data) return parse_dovecot(*data, encoding);
  if (data.status().code() != Code::kNotFound) return data.status();
  data = read_small_file(root + "/" + std::string(kCourierFile));
  if (data) return parse_courier(*data);
  if (data.status().code() != Code::kNotFound) return data.status();
  return Subscriptions();
}

bool Subscriptions::contains(std::string_view name) const {
  Result<std::string> canonical = normalize_mailbox_name(name);
  if (!canonical) return false;
  return std::binary_search(names_.begin(), names_.end(), *canonical);
}

Result<bool> Subscriptions::add(std::string_view name) {
  Result<std::string> canonical = normalize_mailbox_name(name);
  if (!canonical) return canonical.status();
  auto it = std::lower_bound(names_.begin(), names_.end(), *canonical);
  if (it != names_.end() && *it == *canonical) return false;
  names_.insert(it, std::move(*canonical));
  return true;
}

Result<bool> Subscriptions::remove(std::string_view name) {
  Result<std::string> canonical = normalize_mailbox_name(name);
  if (!canonical) return canonical.status();
  auto it = std::lower_bound(names_.begin(), names_.end(), *canonical);
  if (it == names_.end() || *it != *canonical) return false;
  names_.erase(it);
  return true;
}

std::string Subscriptions::serialize(NameEncoding encoding) const {
  std::string out(kV2Header);
  for (const std::string& name : names_) {
    bool first = true;
    for (const std::string& level : split_mailbox_name(name)) {
      if (!first) out += '\t';
      first = false;
      if (encoding == NameEncoding::kModifiedUtf7) {
        Result<std::string> encoded = encode_mutf7(level);
        out += encoded ? *encoded : level;  // names_ are validated UTF-8: always ok
      } else {
        out += level;
      }
    }
    out += '\n';
  }
  return out;
}

Status Subscriptions::save(const std::string& root, NameEncoding encoding) const {
  std::string tmp_dir = root + "/tmp";
  int dir_fd = ::open(tmp_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd < 0) return from_errno("open " + tmp_dir);
  int root_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    Status s = from_errno("open " + root);
    ::close(dir_fd);
    return s;
  }
  std::string tmp = unique_tmp_name();
  std::string shown = tmp_dir + "/" + tmp;
  std::string content = serialize(encoding);
  Status s;
  int fd =
      ::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    s = from_errno("create " + shown);
  } else {
    size_t off = 0;
    while (off < content.size()) {
      ssize_t n = ::write(fd, content.data() + off, content.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        s = from_errno("write " + shown);
        break;
      }
      off += static_cast<size_t>(n);
    }
    if (s.ok() && ::fsync(fd) != 0) s = from_errno("fsync " + shown);
    if (::close(fd) != 0 && s.ok()) s = from_errno("close " + shown);
    if (s.ok() && ::renameat(dir_fd, tmp.c_str(), root_fd, std::string(kFile).c_str()) != 0) {
      s = from_errno("rename " + shown + " -> " + root + "/" + std::string(kFile));
    }
    if (!s.ok()) ::unlinkat(dir_fd, tmp.c_str(), 0);
    if (s.ok() && ::fsync(root_fd) != 0) s = from_errno("fsync " + root);
  }
  ::close(root_fd);
  ::close(dir_fd);
  return s;
}

namespace {

Status modify(const std::string& root, std::string_view name, NameEncoding encoding,
              bool subscribe) {
  LockOptions lock_options;
  lock_options.stale_after = std::chrono::seconds(30);
  lock_options.wait = std::chrono::seconds(10);
  Result<DotLock> lock = DotLock::acquire(root + "/" + std::string(kFile) + ".lock", lock_options);
  if (!lock) return lock.status();
  Result<Subscriptions> subs = Subscriptions::load(root, encoding);
  if (!subs) return subs.status();
  Result<bool> changed = subscribe ? subs->add(name) : subs->remove(name);
  if (!changed) return changed.status();
  if (!*changed) return Status::Ok();
  Status s = subs->save(root, encoding);
  Status r = lock->release();
  return s.ok() ? r : s;
}

}  // namespace

Status subscribe(const std::string& root, std::string_view name, NameEncoding encoding) {
  return modify(root, name, encoding, true);
}

Status unsubscribe(const std::string& root, std::string_view name, NameEncoding encoding) {
  return modify(root, name, encoding, false);
}

Result<std::vector<std::string>> list_subscriptions(const std::string& root,
                                                    NameEncoding encoding) {
  Result<Subscriptions> subs = Subscriptions::load(root, encoding);
  if (!subs) return subs.status();
  return subs->names();
}

}  // namespace maildir
