// tegami-modseq: the modseq log of a folder (maildir/modseq.h; format in docs/formats.md).
//
// Why a log and a comparison. Maildir records no history: a flag change is a rename, an
// expunge an unlink, and other programs (mutt, Dovecot, a POP3 session) do both without telling
// anyone. So a modseq cannot be handed out where the change is made; it is handed out where a
// change is *noticed*. Each record keeps the flags the message had when it was written, so a
// session that sees a message whose flags differ from its last record knows the change is not
// recorded yet, and one that sees them equal knows another session already recorded it.
// Writers serialise on the folder's dovecot-uidlist.lock, read what was appended since their
// last read, and append with one write(2); modseqs therefore grow in file order. Two sessions
// noticing one change at once may both record it (the message's modseq grows twice): harmless,
// a modseq only has to grow.
//
// Damage. Records carry a checksum; readers use the valid prefix. A writer that finds bytes
// past the valid prefix (a torn append after a crash) rewrites the file from what it knows.
// A missing or unreadable file, or one of another UIDVALIDITY, is rebuilt with a base above
// anything the old file could have handed out (see fresh_base()).
#include "maildir/modseq.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "maildir/lock.h"
#include "maildir/uidlist.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace maildir {

namespace {

constexpr char kMagic[8] = {'T', 'G', 'M', 'M', 'S', 'E', 'Q', '1'};
constexpr std::uint32_t kBom = 0x01020304;
constexpr std::size_t kHeaderSize = 48;
constexpr std::size_t kRecordSize = 24;
constexpr std::uint8_t kKindState = 1;
constexpr std::uint8_t kKindGone = 2;
// Expunge records kept by a compaction (older ones raise the vanished floor).
constexpr std::size_t kKeepGone = 20000;
// The file is refused beyond this size (a 2,000,000-message folder stays far below).
constexpr std::uint64_t kMaxFileSize = 1ull << 30;

struct Header {
  std::uint32_t uid_validity = 0;
  std::uint64_t base = 0;
  std::uint64_t vanished_floor = 0;
  std::uint64_t highest = 0;
};

struct Rec {
  std::uint64_t modseq;
  std::uint32_t uid;
  std::uint32_t keywords;
  std::uint8_t flags;
  std::uint8_t kind;
};

template <typename T>
void put(char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}
template <typename T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string encode_header(const Header& h) {
  std::string s(kHeaderSize, '\0');
  std::memcpy(s.data(), kMagic, 8);
  put<std::uint32_t>(s.data() + 8, kBom);
  put<std::uint32_t>(s.data() + 12, h.uid_validity);
  put<std::uint64_t>(s.data() + 16, h.base);
  put<std::uint64_t>(s.data() + 24, h.vanished_floor);
  put<std::uint64_t>(s.data() + 32, h.highest);
  put<std::uint64_t>(s.data() + 40, XXH3_64bits(s.data(), 40));
  return s;
}

std::optional<Header> decode_header(const char* p, std::size_t n) {
  if (n < kHeaderSize || std::memcmp(p, kMagic, 8) != 0 || get<std::uint32_t>(p + 8) != kBom ||
      get<std::uint64_t>(p + 40) != XXH3_64bits(p, 40)) {
    return std::nullopt;
  }
  Header h;
  h.uid_validity = get<std::uint32_t>(p + 12);
  h.base = get<std::uint64_t>(p + 16);
  h.vanished_floor = get<std::uint64_t>(p + 24);
  h.highest = get<std::uint64_t>(p + 32);
  return h;
}

void encode_record(std::string& out, const Rec& r) {
  char b[kRecordSize] = {};
  put<std::uint64_t>(b, r.modseq);
  put<std::uint32_t>(b + 8, r.uid);
  put<std::uint32_t>(b + 12, r.keywords);
  b[16] = static_cast<char>(r.flags);
  b[17] = static_cast<char>(r.kind);
  put<std::uint32_t>(b + 20, static_cast<std::uint32_t>(XXH3_64bits(b, 20)));
  out.append(b, kRecordSize);
}

std::optional<Rec> decode_record(const char* b) {
  if (get<std::uint32_t>(b + 20) != static_cast<std::uint32_t>(XXH3_64bits(b, 20))) {
    return std::nullopt;
  }
  Rec r{get<std::uint64_t>(b), get<std::uint32_t>(b + 8), get<std::uint32_t>(b + 12),
        static_cast<std::uint8_t>(b[16]), static_cast<std::uint8_t>(b[17])};
  if ((r.kind != kKindState && r.kind != kKindGone) || r.uid == 0 || r.modseq == 0 ||
      r.modseq >= (1ull << 63)) {
    return std::nullopt;
  }
  return r;
}

// What the file holds: header, the records of its valid prefix, and its identity.
struct FileImage {
  bool exists = false;
  std::optional<Header> header;
  std::vector<Rec> records;        // the last record of each UID, ascending UID (after finish())
  std::uint64_t record_count = 0;  // records in the valid part of the file
  // The header and the last valid record as bytes: with the inode, what proves that a cached
  // image is of this very file (inode numbers are reused after a rebuild).
  std::string header_bytes, last_bytes;
  std::uint64_t valid_end = 0;  // bytes: header + valid records
  std::uint64_t size = 0;
  std::uint64_t highest_seen = 0;  // largest modseq readable anywhere (for a rebuild)
  std::uint64_t dev = 0, ino = 0;
};

Result<FileImage> read_image(const std::string& path) {
  FileImage img;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return img;
    return from_errno("open " + path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = from_errno("fstat " + path);
    ::close(fd);
    return s;
  }
  img.exists = true;
  img.dev = st.st_dev;
  img.ino = st.st_ino;
  img.size = static_cast<std::uint64_t>(st.st_size);
  if (!S_ISREG(st.st_mode) || img.size > kMaxFileSize) {
    ::close(fd);
    return img;  // no header: rebuilt
  }
  // Not zero-filled first: a 100,000-message folder's file is 2.4 MB, read on every SELECT.
  std::unique_ptr<char[]> buf(new char[img.size]);
  std::size_t got = 0;
  while (got < img.size) {
    ssize_t n = ::pread(fd, buf.get() + got, img.size - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = from_errno("read " + path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const char* data = buf.get();
  img.header = decode_header(data, got);
  if (!img.header) return img;
  img.highest_seen = std::max(img.header->base, img.header->highest);
  img.valid_end = kHeaderSize;
  img.records.resize((got - kHeaderSize) / kRecordSize);
  std::size_t n = 0;
  for (std::size_t off = kHeaderSize; off + kRecordSize <= got; off += kRecordSize) {
    std::optional<Rec> r = decode_record(data + off);
    if (!r) break;
    img.records[n++] = *r;
    img.highest_seen = std::max(img.highest_seen, r->modseq);
  }
  img.records.resize(n);
  img.valid_end = kHeaderSize + n * kRecordSize;
  img.header_bytes.assign(data, kHeaderSize);
  if (n > 0) img.last_bytes.assign(data + img.valid_end - kRecordSize, kRecordSize);
  return img;
}

// Keeps the last record of each UID (file order is modseq order, see the top), ascending UID.
void finish(FileImage& img) {
  std::vector<Rec>& recs = img.records;
  img.record_count = recs.size();
  // A compacted or new file is in UID order; what was appended since is short: sort that
  // tail and merge it (both stable, so file order decides among equal UIDs).
  auto by_uid = [](const Rec& a, const Rec& b) { return a.uid < b.uid; };
  auto tail = std::is_sorted_until(recs.begin(), recs.end(), by_uid);
  if (tail != recs.end()) {
    std::stable_sort(tail, recs.end(), by_uid);
    std::inplace_merge(recs.begin(), tail, recs.end(), by_uid);
  }
  std::size_t w = 0;
  for (const Rec& r : recs) {
    if (w > 0 && recs[w - 1].uid == r.uid) {
      recs[w - 1] = r;
    } else {
      recs[w++] = r;
    }
  }
  recs.resize(w);
}

// The files read last in this process, finished, by path: a SELECT of a big folder then reads
// only what was appended since (every session used to read and check the whole file). Entries
// are immutable; a file replaced (another inode) or shrunk is read again.
std::mutex g_cache_mutex;
std::unordered_map<std::string, std::shared_ptr<const FileImage>> g_cache;
// Only big folders are worth it (a small file is read in microseconds); the cache holds at
// most this many records in all (24 bytes each: 48 MB), and is emptied when it would exceed it.
constexpr std::size_t kMinCachedRecords = 5000;
constexpr std::size_t kMaxCachedRecords = 2000000;
std::size_t g_cached_records = 0;

void cache_put(const std::string& path, const std::shared_ptr<const FileImage>& img) {
  std::lock_guard<std::mutex> g(g_cache_mutex);
  auto it = g_cache.find(path);
  if (it != g_cache.end()) {
    g_cached_records -= it->second->records.size();
    g_cache.erase(it);
  }
  if (img->records.size() < kMinCachedRecords) return;
  if (g_cached_records + img->records.size() > kMaxCachedRecords) {
    g_cache.clear();
    g_cached_records = 0;
  }
  g_cache.emplace(path, img);
  g_cached_records += img->records.size();
}

Result<std::shared_ptr<const FileImage>> load_image(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::make_shared<const FileImage>();
    return from_errno("stat " + path);
  }
  std::shared_ptr<const FileImage> hit;
  {
    std::lock_guard<std::mutex> g(g_cache_mutex);
    auto it = g_cache.find(path);
    if (it != g_cache.end()) hit = it->second;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (hit && hit->dev == st.st_dev && hit->ino == st.st_ino && hit->valid_end <= size &&
      size <= kMaxFileSize) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return from_errno("open " + path);
    // The same file as cached: same header, same last record where the cache stopped.
    char head[kHeaderSize + kRecordSize];
    bool same = ::pread(fd, head, kHeaderSize, 0) == static_cast<ssize_t>(kHeaderSize) &&
                hit->header_bytes == std::string_view(head, kHeaderSize);
    if (same && !hit->last_bytes.empty()) {
      same = ::pread(fd, head + kHeaderSize, kRecordSize,
                     static_cast<off_t>(hit->valid_end - kRecordSize)) ==
                 static_cast<ssize_t>(kRecordSize) &&
             hit->last_bytes == std::string_view(head + kHeaderSize, kRecordSize);
    }
    if (same && size - hit->valid_end < kRecordSize) {
      ::close(fd);
      return hit;  // nothing appended since: no copy
    }
    if (same) {
      FileImage img = *hit;
      img.size = size;
      std::uint64_t want = size - img.valid_end;
      want -= want % kRecordSize;
      std::string data(want, '\0');
      std::size_t got = 0;
      while (got < want) {
        ssize_t n =
            ::pread(fd, data.data() + got, want - got, static_cast<off_t>(img.valid_end + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      ::close(fd);
      for (std::size_t off = 0; off + kRecordSize <= got; off += kRecordSize) {
        std::optional<Rec> r = decode_record(data.data() + off);
        if (!r) break;  // an append in progress or a torn one
        auto pos = std::lower_bound(img.records.begin(), img.records.end(), r->uid,
                                    [](const Rec& x, std::uint32_t u) { return x.uid < u; });
        if (pos != img.records.end() && pos->uid == r->uid) {
          *pos = *r;
        } else {
          img.records.insert(pos, *r);
        }
        img.valid_end += kRecordSize;
        ++img.record_count;
        img.highest_seen = std::max(img.highest_seen, r->modseq);
        img.last_bytes.assign(data.data() + off, kRecordSize);
      }
      auto out = std::make_shared<const FileImage>(std::move(img));
      if (out->valid_end != hit->valid_end) cache_put(path, out);
      return out;
    }
    ::close(fd);
  }
  Result<FileImage> img = read_image(path);
  if (!img.ok()) return img.status();
  if (!img->header) return std::make_shared<const FileImage>(std::move(*img));
  finish(*img);
  auto out = std::make_shared<const FileImage>(std::move(*img));
  cache_put(path, out);
  return out;
}

// Writes `content` as the whole new file (temporary file + rename; not fsync'ed: the file is a
// cache, a crash at worst makes it rebuilt with a higher base). REQUIRES: the uidlist lock.
Status replace(const std::string& dir, const std::string& content, struct stat* out) {
  const std::string tmp = dir + "/" + kModseqFileName + ".tmp";
  const std::string path = dir + "/" + kModseqFileName;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return from_errno("open " + tmp);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = n < 0 ? from_errno("write " + tmp) : Status(Code::kNoSpace, "short write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  if (out != nullptr) ::fstat(fd, out);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = from_errno("rename " + tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  return {};
}

Result<DotLock> take_lock(const std::string& dir, std::chrono::milliseconds wait) {
  LockOptions lo;
  lo.wait = wait;
  return DotLock::acquire(dir + "/" + std::string(kUidListLockName), lo);
}

}  // namespace

std::uint64_t ModseqLog::fresh_base(std::uint64_t at_least) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  std::uint64_t now_us = static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
                         static_cast<std::uint64_t>(ts.tv_nsec / 1000);
  return std::max(now_us, at_least);
}

const ModseqLog::Entry* ModseqLog::find(std::uint32_t uid) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), uid,
                             [](const Entry& e, std::uint32_t u) { return e.uid < u; });
  return it != entries_.end() && it->uid == uid ? &*it : nullptr;
}

bool ModseqLog::is_gone(std::uint32_t uid) const {
  auto it = std::lower_bound(gone_.begin(), gone_.end(), uid,
                             [](const Gone& g, std::uint32_t u) { return g.uid < u; });
  return it != gone_.end() && it->uid == uid;
}

std::uint64_t ModseqLog::modseq(std::uint32_t uid) const {
  const Entry* e = find(uid);
  return e ? e->modseq : base_;
}

void ModseqLog::apply_state(std::uint32_t uid, std::uint64_t modseq, std::uint8_t flags,
                            std::uint32_t keywords) {
  highest_ = std::max(highest_, modseq);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), uid,
                             [](const Entry& e, std::uint32_t u) { return e.uid < u; });
  if (it != entries_.end() && it->uid == uid) {
    if (modseq >= it->modseq) *it = Entry{modseq, uid, keywords, flags};
  } else if (modseq > base_) {
    entries_.insert(it, Entry{modseq, uid, keywords, flags});
  }
}

void ModseqLog::apply_gone(std::uint32_t uid, std::uint64_t modseq) {
  highest_ = std::max(highest_, modseq);
  auto e = std::lower_bound(entries_.begin(), entries_.end(), uid,
                            [](const Entry& x, std::uint32_t u) { return x.uid < u; });
  if (e != entries_.end() && e->uid == uid) entries_.erase(e);
  auto it = std::lower_bound(gone_.begin(), gone_.end(), uid,
                             [](const Gone& g, std::uint32_t u) { return g.uid < u; });
  if (it != gone_.end() && it->uid == uid) {
    it->modseq = std::max(it->modseq, modseq);
  } else {
    gone_.insert(it, Gone{uid, modseq});
  }
}

std::optional<std::vector<std::uint32_t>> ModseqLog::changed_since(std::uint64_t since) const {
  if (since < base_) return std::nullopt;
  std::vector<std::uint32_t> out;
  for (const Entry& e : entries_) {
    if (e.modseq > since) out.push_back(e.uid);
  }
  return out;
}

std::optional<std::vector<std::uint32_t>> ModseqLog::expunged_since(std::uint64_t since) const {
  if (since < vanished_floor_) return std::nullopt;
  std::vector<std::uint32_t> out;
  for (const Gone& g : gone_) {
    if (g.modseq > since) out.push_back(g.uid);
  }
  return out;
}

// Reads the whole file (creating or rebuilding it under the lock when it is missing, damaged
// at the header or of another UIDVALIDITY). With `reconcile_all`, then compares every message
// of the view with its last record and records the differences.
Status ModseqLog::load(const Mailbox& mailbox, bool reconcile_all) {
  const std::string path = dir_ + "/" + kModseqFileName;
  std::optional<DotLock> lock;
  for (int attempt = 0;; ++attempt) {
    Result<std::shared_ptr<const FileImage>> loaded = load_image(path);
    if (!loaded.ok()) return loaded.status();
    const std::shared_ptr<const FileImage> img = *loaded;
    const bool usable = img->header && img->header->uid_validity == mailbox.uid_validity();
    if (usable) {
      const Header& h = *img->header;
      uid_validity_ = h.uid_validity;
      base_ = h.base;
      vanished_floor_ = h.vanished_floor;
      highest_ = std::max(h.base, h.highest);
      dev_ = img->dev;
      ino_ = img->ino;
      offset_ = img->valid_end;
      records_in_file_ = img->record_count;
      highest_ = std::max(highest_, img->highest_seen);
      entries_.clear();
      gone_.clear();
      const std::vector<Rec>& last = img->records;
      for (const Rec& r : last) {
        if (r.kind == kKindGone) {
          gone_.push_back(Gone{r.uid, r.modseq});
        } else if (r.modseq > base_) {
          entries_.push_back(Entry{r.modseq, r.uid, r.keywords, r.flags});
        }
      }
      if (lock) (void)lock->release();
      if (!reconcile_all) return {};
      // Compare the view with the last records (both ascending by UID).
      std::vector<std::uint32_t> changed, expunged;
      std::size_t k = 0;
      auto records = mailbox.records();
      for (const MessageRecord& m : records) {
        while (k < last.size() && last[k].uid < m.uid) {
          if (last[k].kind == kKindState) expunged.push_back(last[k].uid);
          ++k;
        }
        if (k < last.size() && last[k].uid == m.uid) {
          const Rec& r = last[k];
          if (r.kind != kKindState || r.flags != m.flags || r.keywords != m.keywords) {
            changed.push_back(m.uid);
          }
          ++k;
        } else {
          changed.push_back(m.uid);
        }
      }
      for (; k < last.size(); ++k) {
        // Past the view's last UID: expunged when below the UIDNEXT the view's sync read;
        // at or above it a message another session saw first (this view will see it).
        if (last[k].kind == kKindState && last[k].uid < mailbox.uid_next()) {
          expunged.push_back(last[k].uid);
        }
      }
      return record(mailbox, std::move(changed), std::move(expunged));
    }
    // Missing, unreadable header or another UIDVALIDITY: (re)build under the lock.
    if (!lock) {
      Result<DotLock> l = take_lock(dir_, lock_wait_);
      if (!l.ok()) return l.status();
      lock.emplace(std::move(*l));
      continue;  // read again: someone may have rebuilt it meanwhile
    }
    if (attempt > 3) return Status(Code::kIo, path + ": cannot be rebuilt");
    Header h;
    h.uid_validity = mailbox.uid_validity();
    // Every change that took a modseq renamed, linked or unlinked a file in new/ or cur/, so
    // their mtimes are at or after the last change even if the clock was set back since.
    std::uint64_t witness = img->highest_seen + 1;
    for (const char* sub : {"/new", "/cur"}) {
      struct stat st;
      if (::stat((dir_ + sub).c_str(), &st) != 0) continue;
      witness = std::max(witness, static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000u +
                                      static_cast<std::uint64_t>(st.st_mtim.tv_nsec / 1000) + 1);
    }
    h.base = fresh_base(witness);
    h.vanished_floor = h.base;
    h.highest = h.base;
    std::string content = encode_header(h);
    content.reserve(kHeaderSize + mailbox.count() * kRecordSize);
    for (const MessageRecord& m : mailbox.records()) {
      encode_record(content, Rec{h.base, m.uid, m.keywords, m.flags, kKindState});
    }
    Status s = replace(dir_, content, nullptr);
    if (!s.ok()) return s;
  }
}

Status ModseqLog::read_tail(bool& replaced) {
  replaced = false;
  const std::string path = dir_ + "/" + kModseqFileName;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      replaced = true;
      return {};
    }
    return from_errno("stat " + path);
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (st.st_dev != dev_ || st.st_ino != ino_ || size < offset_) {
    replaced = true;
    return {};
  }
  if (size == offset_) return {};
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return from_errno("open " + path);
  std::uint64_t want = std::min<std::uint64_t>(size - offset_, kMaxFileSize);
  want -= want % kRecordSize;
  std::string data(want, '\0');
  std::size_t got = 0;
  while (got < data.size()) {
    ssize_t n =
        ::pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(offset_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  for (std::size_t off = 0; off + kRecordSize <= got; off += kRecordSize) {
    std::optional<Rec> r = decode_record(data.data() + off);
    if (!r) break;  // an append in progress, or a torn one (a writer repairs it)
    if (r->kind == kKindGone) {
      apply_gone(r->uid, r->modseq);
    } else {
      apply_state(r->uid, r->modseq, r->flags, r->keywords);
    }
    offset_ += kRecordSize;
    ++records_in_file_;
  }
  return {};
}

Result<ModseqLog> ModseqLog::open(const Mailbox& mailbox, std::chrono::milliseconds lock_wait) {
  ModseqLog log;
  log.dir_ = mailbox.dir();
  log.lock_wait_ = lock_wait;
  Status s = log.load(mailbox, true);
  if (!s.ok()) return s;
  return log;
}

Status ModseqLog::update(const Mailbox& mailbox, std::span<const std::uint32_t> changed,
                         std::span<const std::uint32_t> expunged) {
  if (mailbox.uid_validity() != uid_validity_) {
    pending_changed_.clear();
    pending_expunged_.clear();
    return load(mailbox, true);
  }
  bool replaced = false;
  Status s = read_tail(replaced);
  if (!s.ok()) return s;
  if (replaced) {
    // Compacted or rebuilt by someone else: read it again and compare everything.
    return load(mailbox, true);
  }
  std::vector<std::uint32_t> c(changed.begin(), changed.end());
  c.insert(c.end(), pending_changed_.begin(), pending_changed_.end());
  std::vector<std::uint32_t> e(expunged.begin(), expunged.end());
  e.insert(e.end(), pending_expunged_.begin(), pending_expunged_.end());
  pending_changed_.clear();
  pending_expunged_.clear();
  if (c.empty() && e.empty()) return {};
  return record(mailbox, std::move(c), std::move(e));
}

// Records the candidates nobody recorded yet: `changed` UIDs whose view flags differ from
// their entry, `expunged` UIDs not in the view and not recorded as gone.
Status ModseqLog::record(const Mailbox& mailbox, std::vector<std::uint32_t> changed,
                         std::vector<std::uint32_t> expunged) {
  auto unique = [](std::vector<std::uint32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  unique(changed);
  unique(expunged);
  auto needed = [&](std::vector<std::uint32_t>& ch, std::vector<std::uint32_t>& ex) {
    std::vector<std::uint32_t> c2, e2;
    for (std::uint32_t u : ch) {
      std::optional<std::size_t> i = mailbox.find_uid(u);
      if (!i) continue;
      const MessageRecord& m = mailbox.record(*i);
      const Entry* en = find(u);
      if (en && en->flags == m.flags && en->keywords == m.keywords) continue;
      c2.push_back(u);
    }
    for (std::uint32_t u : ex) {
      if (mailbox.find_uid(u) || is_gone(u)) continue;
      e2.push_back(u);
    }
    ch = std::move(c2);
    ex = std::move(e2);
  };
  needed(changed, expunged);
  if (changed.empty() && expunged.empty()) return {};

  Result<DotLock> lock = take_lock(dir_, lock_wait_);
  if (!lock.ok()) {
    pending_changed_ = std::move(changed);
    pending_expunged_ = std::move(expunged);
    return lock.status();
  }
  bool replaced = false;
  Status s = read_tail(replaced);
  if (s.ok() && replaced) {
    (void)lock->release();
    pending_changed_ = std::move(changed);
    pending_expunged_ = std::move(expunged);
    return load(mailbox, true);
  }
  if (!s.ok()) {
    pending_changed_ = std::move(changed);
    pending_expunged_ = std::move(expunged);
    return s;
  }
  needed(changed, expunged);
  if (changed.empty() && expunged.empty()) return {};

  const std::string path = dir_ + "/" + kModseqFileName;
  struct stat st;
  const bool torn =
      ::stat(path.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) != offset_;
  std::string buf;
  buf.reserve((changed.size() + expunged.size()) * kRecordSize);
  std::uint64_t next = highest_;
  for (std::uint32_t u : changed) {
    const MessageRecord& m = mailbox.record(*mailbox.find_uid(u));
    ++next;
    encode_record(buf, Rec{next, u, m.keywords, m.flags, kKindState});
    apply_state(u, next, m.flags, m.keywords);
  }
  for (std::uint32_t u : expunged) {
    ++next;
    encode_record(buf, Rec{next, u, 0, 0, kKindGone});
    apply_gone(u, next);
  }
  if (torn || records_in_file_ + changed.size() + expunged.size() > 2 * mailbox.count() + 4096) {
    // Bytes past the valid records (a torn append) or mostly superseded records: rewrite.
    s = compact_locked(buf);
  } else {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      s = from_errno("open " + path);
    } else {
      ssize_t n = ::write(fd, buf.data(), buf.size());
      if (n != static_cast<ssize_t>(buf.size())) {
        s = n < 0 ? from_errno("write " + path) : Status(Code::kNoSpace, "short write " + path);
      } else {
        offset_ += buf.size();
        records_in_file_ += changed.size() + expunged.size();
      }
      ::close(fd);
    }
  }
  (void)lock->release();
  return s;
}

// Rewrites the file from what it says (the last record of each UID of its valid part) plus
// `appended` (records not written yet), dropping all but the kKeepGone newest expunge records
// (their highest modseq becomes the vanished floor). It never uses the view's flags: a change
// the view holds but nobody recorded must stay "different from its record". REQUIRES: the
// uidlist lock.
Status ModseqLog::compact_locked(const std::string& appended) {
  const std::string path = dir_ + "/" + kModseqFileName;
  std::vector<Rec> last;
  {
    Result<std::shared_ptr<const FileImage>> img = load_image(path);
    if (!img.ok()) return img.status();
    if ((*img)->header && (*img)->header->uid_validity == uid_validity_) last = (*img)->records;
  }
  for (std::size_t off = 0; off + kRecordSize <= appended.size(); off += kRecordSize) {
    std::optional<Rec> r = decode_record(appended.data() + off);
    if (!r) continue;
    auto pos = std::lower_bound(last.begin(), last.end(), r->uid,
                                [](const Rec& x, std::uint32_t u) { return x.uid < u; });
    if (pos != last.end() && pos->uid == r->uid) {
      *pos = *r;
    } else {
      last.insert(pos, *r);
    }
  }
  std::vector<std::uint64_t> gone_modseqs;
  for (const Rec& r : last) {
    if (r.kind == kKindGone) gone_modseqs.push_back(r.modseq);
  }
  std::uint64_t cut = 0;  // expunge records at or below it are dropped
  if (gone_modseqs.size() > kKeepGone) {
    std::nth_element(gone_modseqs.begin(), gone_modseqs.end() - kKeepGone - 1, gone_modseqs.end());
    cut = *(gone_modseqs.end() - kKeepGone - 1);
    vanished_floor_ = std::max(vanished_floor_, cut);
  }
  Header h;
  h.uid_validity = uid_validity_;
  h.base = base_;
  h.highest = highest_;
  h.vanished_floor = vanished_floor_;
  std::string content = encode_header(h);
  content.reserve(kHeaderSize + last.size() * kRecordSize);
  std::size_t n = 0;
  for (const Rec& r : last) {
    if (r.kind == kKindGone && r.modseq <= cut) continue;
    encode_record(content, r);
    ++n;
  }
  struct stat st;
  Status s = replace(dir_, content, &st);
  if (!s.ok()) return s;
  std::erase_if(gone_, [cut](const Gone& g) { return g.modseq <= cut; });
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = content.size();
  records_in_file_ = n;
  return {};
}

}  // namespace maildir
