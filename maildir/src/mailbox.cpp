// Mailbox: opening, the view's accessors, the name pool and the tegami-index cache.
// The sync itself is in mailbox_sync.cpp, the operations in mailbox_ops.cpp.
#include "maildir/mailbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "mailbox_internal.h"

namespace maildir {

void merge_uids(std::vector<std::uint32_t>& into, const std::vector<std::uint32_t>& more) {
  if (more.empty()) return;
  if (into.empty() || into.back() < more.front()) {
    into.insert(into.end(), more.begin(), more.end());
    std::sort(into.end() - static_cast<long>(more.size()), into.end());
  } else {
    into.insert(into.end(), more.begin(), more.end());
    std::sort(into.begin(), into.end());
  }
  into.erase(std::unique(into.begin(), into.end()), into.end());
}

std::string quota_root_of(const std::string& folder_dir) {
  struct stat st;
  if (lstat((folder_dir + "/maildirfolder").c_str(), &st) == 0) {
    std::string d = folder_dir;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    size_t slash = d.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return d.substr(0, slash);
  }
  return folder_dir;
}

void MailboxInternals::set_name(Mailbox& m, MessageRecord& r, std::string_view name) {
  if (r.name_len > 0) m.names_garbage_ += r.name_len;
  r.name_off = static_cast<std::uint32_t>(m.names_.size());
  r.name_len = static_cast<std::uint8_t>(name.size());
  m.names_.append(name);
  ParsedName p = parse_name(name);
  r.base_len = static_cast<std::uint8_t>(p.base.size());
  r.flags = p.flags.system;
  r.keywords = p.flags.keywords;
  if (p.size) r.size = *p.size;
  if (p.vsize) r.vsize = *p.vsize;
}

void MailboxInternals::maybe_compact(Mailbox& m) {
  if (m.names_garbage_ < 65536 || m.names_garbage_ * 2 < m.names_.size()) return;
  compact(m);
}

void MailboxInternals::compact(Mailbox& m) {
  std::string pool;
  pool.reserve(m.names_.size() - m.names_garbage_);
  for (MessageRecord& r : m.records_) {
    std::uint32_t off = static_cast<std::uint32_t>(pool.size());
    pool.append(m.names_, r.name_off, r.name_len);
    r.name_off = off;
  }
  m.names_ = std::move(pool);
  m.names_garbage_ = 0;
}

void MailboxInternals::remove_records(Mailbox& m, const std::vector<char>& gone,
                                      std::vector<std::uint32_t>& expunged) {
  std::vector<std::uint32_t> removed;
  size_t out = 0;
  for (size_t i = 0; i < m.records_.size(); ++i) {
    if (gone[i]) {
      removed.push_back(m.records_[i].uid);
      m.names_garbage_ += m.records_[i].name_len;
    } else {
      m.records_[out++] = m.records_[i];
    }
  }
  if (removed.empty()) return;
  m.records_.resize(out);
  merge_uids(m.expunged_uids_, removed);
  merge_uids(expunged, removed);
  m.index_dirty_ = true;
  maybe_compact(m);
}

Status MailboxInternals::write_cache(Mailbox& m) {
  if (!m.options_.use_index) return Status::Ok();
  IndexData d;
  d.uidvalidity = m.uid_validity_;
  d.uidnext = m.uid_next_;
  d.guid = m.guid_;
  d.new_dir = m.known_new_;
  d.cur_dir = m.known_cur_;
  d.uidlist = m.known_uidlist_;
  // The cache must satisfy decode_index(): UIDs below UIDNEXT.
  if (!m.records_.empty() && m.records_.back().uid >= d.uidnext)
    d.uidnext = m.records_.back().uid + 1;
  d.records.reserve(m.records_.size());
  d.names.reserve(m.names_.size() - m.names_garbage_);
  for (const MessageRecord& r : m.records_) {
    MessageRecord c = r;
    c.name_off = static_cast<std::uint32_t>(d.names.size());
    d.names.append(m.names_, r.name_off, r.name_len);
    d.records.push_back(c);
  }
  Status s = write_index(m.dir_, d);
  if (s.ok()) {
    m.index_dirty_ = false;
    m.stamps_dirty_ = false;
  }
  return s;
}

Result<Mailbox> Mailbox::open(const std::string& folder_dir, MailboxOptions options) {
  struct stat st;
  if (stat(folder_dir.c_str(), &st) != 0) return from_errno("stat " + folder_dir);
  if (!S_ISDIR(st.st_mode)) return Status(Code::kNotFound, folder_dir + " is not a directory");
  for (const char* sub : {"/tmp", "/new", "/cur"}) {
    std::string p = folder_dir + sub;
    if (mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) return from_errno("mkdir " + p);
  }
  Mailbox m;
  m.dir_ = folder_dir;
  m.options_ = std::move(options);
  m.quota_root_ = m.options_.quota_root.empty() ? quota_root_of(folder_dir) : m.options_.quota_root;
  Result<Keywords> kw = Keywords::load(folder_dir);
  if (!kw.ok()) return kw.status();
  m.keywords_ = std::move(*kw);

  bool adopted = false;
  if (MailboxInternals::sharing(m)) {
    // The folder's shared snapshot, when the directories are still what it was built from.
    Result<DirStamp> n = stamp_of(folder_dir + "/new");
    Result<DirStamp> c = stamp_of(folder_dir + "/cur");
    Result<DirStamp> u = stamp_of(folder_dir + "/" + std::string(kUidListName));
    SyncChanges ignored;
    if (n.ok() && c.ok() && u.ok()) adopted = MailboxInternals::adopt(m, *n, *c, *u, ignored);
  }
  if (m.options_.use_index && !adopted) {
    Result<IndexData> cached = read_index(folder_dir);
    if (cached.ok()) {
      m.uid_validity_ = cached->uidvalidity;
      m.uid_next_ = cached->uidnext;
      m.guid_ = std::move(cached->guid);
      m.known_new_ = cached->new_dir;
      m.known_cur_ = cached->cur_dir;
      m.known_uidlist_ = cached->uidlist;
      m.records_ = std::move(cached->records);
      m.names_ = std::move(cached->names);
      if (!m.records_.empty()) m.max_uid_seen_ = m.records_.back().uid;
    }
    // A missing or corrupt cache is simply not used; the sync below rewrites it.
  }
  SyncChanges initial;
  Status s = MailboxInternals::sync(m, SyncOptions{}, initial);
  if (!s.ok()) return s;
  MailboxInternals::share(m);
  return m;  // the initial contents are the view, not changes
}

Result<SyncChanges> Mailbox::sync(const SyncOptions& options) {
  SyncChanges out = std::move(pending_);
  pending_ = SyncChanges{};
  Status s = MailboxInternals::sync(*this, options, out);
  if (!s.ok()) {
    pending_ = std::move(out);  // keep what was found for the next successful sync
    return s;
  }
  MailboxInternals::share(*this);
  return out;
}

std::optional<std::size_t> Mailbox::find_uid(std::uint32_t uid) const {
  auto it = std::lower_bound(recs().begin(), recs().end(), uid,
                             [](const MessageRecord& r, std::uint32_t u) { return r.uid < u; });
  if (it == recs().end() || it->uid != uid) return std::nullopt;
  return static_cast<std::size_t>(it - recs().begin());
}

std::string_view Mailbox::file_name(std::size_t i) const {
  return MailboxInternals::name_of(*this, recs()[i]);
}

std::string_view Mailbox::base_name(std::size_t i) const {
  return file_name(i).substr(0, recs()[i].base_len);
}

MessageFlags Mailbox::flags(std::size_t i) const {
  MessageFlags f;
  f.system = recs()[i].flags;
  f.keywords = recs()[i].keywords;
  return f;
}

std::string Mailbox::path(std::size_t i) const {
  return MailboxInternals::subdir_path(*this, recs()[i].dir) + "/" + std::string(file_name(i));
}

Status Mailbox::load_stat(std::size_t i) {
  struct stat st;
  const std::string p = path(i);
  if (::lstat(p.c_str(), &st) != 0) return from_errno("stat " + p);
  MailboxInternals::unshare(*this);
  MessageRecord& r = records_[i];
  if (r.size == kUnknownSize) r.size = static_cast<std::uint64_t>(st.st_size);
  r.mtime = st.st_mtim.tv_sec;
  index_dirty_ = true;
  return Status::Ok();
}

Result<std::uint64_t> Mailbox::size(std::size_t i) {
  if (recs()[i].size == kUnknownSize) {
    Status s = load_stat(i);
    if (!s.ok()) return s;
  }
  return recs()[i].size;
}

Result<std::int64_t> Mailbox::internal_date(std::size_t i) {
  if (recs()[i].mtime == kUnknownTime) {
    Status s = load_stat(i);
    if (!s.ok()) return s;
  }
  return recs()[i].mtime;
}

Result<std::uint64_t> Mailbox::vsize(std::size_t i) {
  if (recs()[i].vsize != kUnknownSize) return recs()[i].vsize;
  const std::string p = path(i);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return from_errno("open " + p);
  char buf[65536];
  std::uint64_t bytes = 0, lfs = 0;
  char prev = '\0';  // a file written by another tool may already have CRLF: count bare LFs
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = from_errno("read " + p);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    bytes += static_cast<std::uint64_t>(n);
    for (const char* p = buf; (p = static_cast<const char*>(std::memchr(p, '\n', buf + n - p)));
         ++p) {
      const char before = p == buf ? prev : p[-1];
      if (before != '\r') ++lfs;
    }
    prev = buf[n - 1];
  }
  ::close(fd);
  // RFC822.SIZE counts every line end as CRLF; tegami stores LF (delivery.h).
  MailboxInternals::unshare(*this);
  MessageRecord& r = records_[i];
  r.vsize = bytes + lfs;
  index_dirty_ = true;
  return r.vsize;
}

void Mailbox::release_memory() {
  uidlist_.reset();
  expunged_uids_.shrink_to_fit();
  if (shared_) return;
  if (names_garbage_ > 0) MailboxInternals::compact(*this);
  records_.shrink_to_fit();
  names_.shrink_to_fit();
  expunged_uids_.shrink_to_fit();
}

Status Mailbox::save_index() {
  if (shared_) return Status::Ok();  // a snapshot is what tegami-index already holds
  if (!index_dirty_ && !stamps_dirty_) return Status::Ok();
  return MailboxInternals::write_cache(*this);
}

}  // namespace maildir
