#include "maildir/message_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "maildir/lock.h"
#include "replace_file.h"

namespace maildir {

namespace {

constexpr char kMagic[8] = {'T', 'G', 'M', 'C', 'A', 'C', 'H', '1'};
constexpr std::uint32_t kByteOrder = 0x01020304;
constexpr std::uint64_t kHeaderSize = 16;
constexpr std::uint64_t kRecordHead = 16;
constexpr std::uint32_t kMaxBlob = 64u << 20;
std::atomic<unsigned> g_counter{0};

template <typename T>
void put_raw(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
T get_raw(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string header_bytes(std::uint32_t uidvalidity) {
  std::string h(kMagic, sizeof kMagic);
  put_raw(h, uidvalidity);
  put_raw(h, kByteOrder);
  return h;
}

bool pread_all(int fd, char* buf, std::size_t n, std::uint64_t off) {
  while (n > 0) {
    ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<std::size_t>(r);
    off += static_cast<std::uint64_t>(r);
  }
  return true;
}

std::uint64_t record_hash(std::uint32_t uid, std::string_view blob) {
  std::string head;
  put_raw(head, uid);
  put_raw(head, static_cast<std::uint32_t>(blob.size()));
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  XXH3_64bits_update(&st, head.data(), head.size());
  XXH3_64bits_update(&st, blob.data(), blob.size());
  return XXH3_64bits_digest(&st);
}

}  // namespace

std::string encode_cache_record(std::uint32_t uid, std::string_view blob) {
  std::string r;
  put_raw(r, uid);
  put_raw(r, static_cast<std::uint32_t>(blob.size()));
  put_raw(r, record_hash(uid, blob));
  r.append(blob);
  return r;
}

MessageCache::MessageCache(std::string folder_dir, std::uint32_t uidvalidity, std::string file_name)
    : dir_(std::move(folder_dir)),
      name_(std::move(file_name)),
      path_(dir_ + "/" + name_),
      uidvalidity_(uidvalidity) {}

MessageCache::~MessageCache() {
  if (fd_ >= 0) ::close(fd_);
}

void MessageCache::open_file() {
  opened_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  where_.clear();
  records_ = 0;
  scanned_ = 0;
  unusable_ = true;
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  struct stat st {};
  char head[kHeaderSize];
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !pread_all(fd, head, sizeof head, 0) ||
      std::string_view(head, sizeof head) != header_bytes(uidvalidity_)) {
    ::close(fd);
    return;
  }
  fd_ = fd;
  ino_ = static_cast<std::uint64_t>(st.st_ino);
  scanned_ = kHeaderSize;
  unusable_ = false;
}

void MessageCache::scan() {
  if (fd_ < 0) return;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  // Read the record heads in big pieces (one pread per record would cost 100,000 system calls
  // on a big folder's first FETCH).
  std::string buf;
  std::uint64_t buf_at = 0;
  while (scanned_ + kRecordHead <= size) {
    if (scanned_ < buf_at || scanned_ + kRecordHead > buf_at + buf.size()) {
      buf_at = scanned_;
      buf.resize(static_cast<std::size_t>(std::min<std::uint64_t>(size - scanned_, 256 * 1024)));
      if (!pread_all(fd_, buf.data(), buf.size(), buf_at)) return;
    }
    const char* head = buf.data() + (scanned_ - buf_at);
    auto uid = get_raw<std::uint32_t>(head);
    auto len = get_raw<std::uint32_t>(head + 4);
    if (len > kMaxBlob) {
      unusable_ = true;  // not a record boundary: nothing after it can be trusted
      return;
    }
    // A record not complete yet is being appended (or was torn by a crash): stop before it.
    if (scanned_ + kRecordHead + len > size) return;
    where_[uid] = Where{scanned_, len};
    ++records_;
    scanned_ += kRecordHead + len;
  }
}

std::optional<std::string> MessageCache::get(std::uint32_t uid) {
  if (!opened_) {
    open_file();
    scan();
  }
  auto it = where_.find(uid);
  if (it == where_.end()) {
    // Another process may have appended, or replaced the file. Replacement (rare: a
    // compaction) is looked for at most every 100 ms: a first SORT or FETCH misses on every
    // message, and a path lookup per miss cost more than the appends it finds.
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    const std::int64_t now_ms = std::int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1000000;
    if (now_ms - replaced_check_ms_ >= 100) {
      replaced_check_ms_ = now_ms;
      struct stat st {};
      if (::stat(path_.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_ino) != ino_) {
        open_file();
      }
    }
    scan();
    it = where_.find(uid);
    if (it == where_.end()) return std::nullopt;
  }
  std::string rec(kRecordHead + it->second.length, '\0');
  if (!pread_all(fd_, rec.data(), rec.size(), it->second.offset)) return std::nullopt;
  std::string_view blob = std::string_view(rec).substr(kRecordHead);
  if (get_raw<std::uint64_t>(rec.data() + 8) != record_hash(uid, blob)) {
    unusable_ = true;
    where_.erase(it);
    return std::nullopt;
  }
  return std::string(blob);
}

void MessageCache::put(std::uint32_t uid, std::string blob) {
  if (blob.size() > kMaxBlob) return;
  queued_.emplace_back(uid, std::move(blob));
}

Status MessageCache::replace(std::size_t live_uids) {
  (void)live_uids;
  std::string content = header_bytes(uidvalidity_);
  for (const auto& [uid, blob] : queued_) content += encode_cache_record(uid, blob);
  queued_.clear();
  std::string tmp = name_ + ".tmp." + local_hostname() + "." + std::to_string(::getpid()) + "." +
                    std::to_string(g_counter.fetch_add(1));
  Status s = internal::replace_file(dir_, name_, tmp, content, 0, nullptr);
  open_file();
  scan();
  return s;
}

Status MessageCache::flush(std::size_t live_uids) {
  if (queued_.empty()) return Status::Ok();
  if (!opened_) open_file();
  // Compaction: records of expunged messages (or duplicates written by racing sessions)
  // outnumber the live ones; start again with what is being written.
  if (unusable_ || (live_uids > 0 && records_ > 2 * live_uids + 64)) return replace(live_uids);
  int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return replace(live_uids);
    Status s = from_errno("open " + path_);
    queued_.clear();
    return s;
  }
  char head[kHeaderSize];
  if (!pread_all(fd, head, sizeof head, 0) ||
      std::string_view(head, sizeof head) != header_bytes(uidvalidity_)) {
    ::close(fd);  // replaced meanwhile by another UIDVALIDITY's cache, or broken
    return replace(live_uids);
  }
  std::string bytes;
  for (const auto& [uid, blob] : queued_) bytes += encode_cache_record(uid, blob);
  queued_.clear();
  Status s = Status::Ok();
  ssize_t n;
  do {
    n = ::write(fd, bytes.data(), bytes.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    s = from_errno("append " + path_);
  } else if (static_cast<std::size_t>(n) != bytes.size()) {
    s = Status(Code::kIo, "short append to " + path_);
  }
  ::close(fd);
  return s;
}

}  // namespace maildir
