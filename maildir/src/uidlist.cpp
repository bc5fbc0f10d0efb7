// dovecot-uidlist: reading, appending and rewriting.
//
// Why it is built this way
// ------------------------
// The UID list is state shared with other tegami processes, other hosts over NFS and Dovecot
// itself, so every rule here is Dovecot's rule:
//   * Readers take no lock. A writer holds dovecot-uidlist.lock and, before changing anything,
//     re-reads the file (UidList::lock() calls refresh()). While the lock is held nobody else
//     writes, so what we read is the truth we extend.
//   * Appending records is the common change (new mail). It is done with O_APPEND in one
//     write(2) of whole lines and fdatasync'ed, only when the file ends exactly where our last
//     read ended on a complete line: appending after a half line would glue two records.
//   * Everything else (expunges, field changes, upgrading v1, repairing damage, a lost list)
//     writes a complete new file and renames it over the old one, so readers see the old or
//     the new list, never a mix. Dovecot notices the new inode and re-reads.
//   * A reader that saw the file before can catch up cheaply: same inode and a larger size
//     means only records were appended, so only the tail is parsed (from the end of the last
//     complete line read). Any other difference means a full re-read.
//   * Records stay in ascending UID order and UIDs are never reused: next_uid only grows, a
//     moved-in message keeps its old UID only if that UID is >= next_uid, and a lost or
//     unreadable list is recreated with a strictly greater UIDVALIDITY.
//   * Damage is contained: a bad record line is skipped (its message gets a new UID, which an
//     IMAP client sees as expunge + new message), a bad header makes the list lost. Dovecot
//     would unlink the whole file instead; we keep every UID we can.
#include "maildir/uidlist.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <unordered_map>

#include "maildir/flags.h"
#include "replace_file.h"
#include "uidlist_parse.h"

namespace maildir {

using namespace uidlist_internal;

namespace {

constexpr std::string_view kUidListTmpName = "dovecot-uidlist.tmp";

}  // namespace

std::string UidList::path() const {
  return dir_ + "/" + std::string(kUidListName);
}

Result<UidList> UidList::load(const std::string& dir) {
  if (dir.empty()) return Status(Code::kInvalidArgument, "dovecot-uidlist without a folder");
  UidList list;
  list.dir_ = dir;
  Status st = list.read_all();
  if (!st.ok()) return st;
  return list;
}

// Reads the whole file and replaces the in-memory state with it.
Status UidList::read_all() {
  std::string p = path();
  int fd = open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      exists_ = false;
      needs_rewrite_ = false;
      header_ = UidListHeader{};
      records_.clear();
      by_base_.clear();
      skipped_lines_ = 0;
      dev_ = 0;
      ino_ = 0;
      size_ = 0;
      mtime_ns_ = 0;
      consumed_ = 0;
      return Status::Ok();
    }
    return from_errno("open " + p);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return from_errno(err, "fstat " + p);
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxUidListBytes) {
    close(fd);
    return Status(Code::kLimit, p + " is larger than " + std::to_string(kMaxUidListBytes) +
                                    " bytes; refusing to read it");
  }
  Result<std::string> read = internal::read_state_file(fd, static_cast<std::size_t>(st.st_size), p);
  close(fd);
  if (!read.ok()) return read.status();
  const std::string& content = *read;

  ParsedUidList parsed = parse_uidlist_indexed(content, by_base_);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  size_ = static_cast<off_t>(content.size());
  mtime_ns_ = internal::mtime_ns(st);
  consumed_ = static_cast<off_t>(parsed.consumed);
  skipped_lines_ = parsed.skipped_lines;
  if (!parsed.header_ok) {
    // Lost: the next write creates a new list with a new UIDVALIDITY.
    exists_ = false;
    needs_rewrite_ = true;
    header_ = UidListHeader{};
    records_.clear();
    by_base_.clear();
    return Status::Ok();
  }
  exists_ = true;
  needs_rewrite_ = parsed.needs_rewrite || parsed.header.version != 3;
  header_ = std::move(parsed.header);
  records_ = std::move(parsed.records);
  last_uid_validity_ = std::max(last_uid_validity_, header_.uid_validity);
  return Status::Ok();
}

void UidList::index_records() {
  by_base_.clear();
  by_base_.reserve(records_.size());
  for (const auto& r : records_) by_base_.emplace(r.base, r.uid);
}

Result<bool> UidList::changed_on_disk() const {
  struct stat st;
  if (stat(path().c_str(), &st) != 0) {
    if (errno == ENOENT) return ino_ != 0;
    return from_errno("stat " + path());
  }
  return !(st.st_dev == dev_ && st.st_ino == ino_ && st.st_size == size_ &&
           internal::mtime_ns(st) == mtime_ns_);
}

Result<bool> UidList::refresh() {
  std::string p = path();
  struct stat st;
  if (stat(p.c_str(), &st) != 0) {
    if (errno != ENOENT) return from_errno("stat " + p);
    if (ino_ == 0) return false;  // still missing
    Status s = read_all();        // lost: forget the records (keep last_uid_validity_)
    if (!s.ok()) return s;
    return true;
  }
  if (st.st_dev == dev_ && st.st_ino == ino_ && st.st_size == size_ &&
      internal::mtime_ns(st) == mtime_ns_) {
    return false;
  }
  bool grew = exists_ && st.st_dev == dev_ && st.st_ino == ino_ && st.st_size > size_;
  if (!grew) {
    Status s = read_all();
    if (!s.ok()) return s;
    return true;
  }
  // Only appended: parse the tail from the end of the last complete line.
  if (static_cast<std::uint64_t>(st.st_size) > kMaxUidListBytes) {
    return Status(Code::kLimit, p + " is larger than " + std::to_string(kMaxUidListBytes) +
                                    " bytes; refusing to read it");
  }
  int fd = open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return from_errno("open " + p);
  struct stat fst;
  if (fstat(fd, &fst) != 0 || fst.st_ino != ino_ || fst.st_size < consumed_) {
    close(fd);
    Status s = read_all();  // replaced between stat and open
    if (!s.ok()) return s;
    return true;
  }
  std::string tail(static_cast<std::size_t>(fst.st_size - consumed_), '\0');
  std::size_t got = 0;
  while (got < tail.size()) {
    ssize_t n =
        pread(fd, tail.data() + got, tail.size() - got, consumed_ + static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return from_errno(err, "read " + p);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fd);
  tail.resize(got);

  std::uint32_t prev_uid = records_.empty() ? 0 : records_.back().uid;
  std::vector<UidRecord> fresh;
  std::size_t skipped = 0;
  bool needs_rewrite = false;
  std::uint32_t max_uid = 0;
  std::size_t used = parse_lines(tail, header_.version, prev_uid, records_.size(), fresh, skipped,
                                 needs_rewrite, max_uid);
  std::size_t first_new = records_.size();
  for (auto& r : fresh) records_.push_back(std::move(r));
  merge_duplicates(records_, first_new, by_base_, skipped, needs_rewrite);
  if (header_.next_uid <= max_uid) header_.next_uid = max_uid + 1;
  skipped_lines_ += skipped;
  needs_rewrite_ = needs_rewrite_ || needs_rewrite;
  consumed_ += static_cast<off_t>(used);
  size_ = consumed_ + static_cast<off_t>(got - used);
  mtime_ns_ = internal::mtime_ns(fst);
  return true;
}

const UidRecord* UidList::find_uid(std::uint32_t uid) const {
  auto it = std::lower_bound(records_.begin(), records_.end(), uid,
                             [](const UidRecord& r, std::uint32_t u) { return r.uid < u; });
  if (it == records_.end() || it->uid != uid) return nullptr;
  return &*it;
}

const UidRecord* UidList::find_name(std::string_view name) const {
  auto it = by_base_.find(base_name(name));
  if (it == by_base_.end()) return nullptr;
  return find_uid(it->second);
}

std::optional<std::string_view> UidList::pop3_uidl(std::uint32_t uid) const {
  const UidRecord* r = find_uid(uid);
  if (r == nullptr) return std::nullopt;
  return r->field('P');
}

std::optional<std::uint32_t> UidList::pop3_order(std::uint32_t uid) const {
  const UidRecord* r = find_uid(uid);
  if (r == nullptr) return std::nullopt;
  auto v = r->field('O');
  if (!v) return std::nullopt;
  return parse_u32(*v);
}

Result<UidListLock> UidList::lock(std::chrono::milliseconds wait) {
  LockOptions options;
  options.stale_after = std::chrono::seconds(120);
  options.wait = wait;
  auto held = DotLock::acquire(dir_ + "/" + std::string(kUidListLockName), options);
  if (!held.ok()) return held.status();
  UidListLock lock(dir_, std::move(held).value());
  auto changed = refresh();
  if (!changed.ok()) return changed.status();
  return lock;
}

Status UidList::check_lock(const UidListLock& lock) const {
  if (!lock.held() || lock.dir() != dir_) {
    return Status(Code::kInvalidArgument,
                  "changing " + path() + " requires holding its dovecot-uidlist.lock");
  }
  return Status::Ok();
}

// Writes the whole in-memory list as a new file (creating the list when !exists_).
Status UidList::write_whole(std::uint32_t uid_validity_floor) {
  UidListHeader h = header_;
  if (!exists_) {
    h = UidListHeader{};
    h.uid_validity = next_uid_validity(std::max(uid_validity_floor, last_uid_validity_));
    h.next_uid = records_.empty() ? 1 : records_.back().uid + 1;
  }
  h.version = 3;
  if (h.guid.empty()) {
    auto guid = random_guid();
    if (!guid.ok()) return guid.status();
    h.guid = std::move(guid).value();
  }
  if (!records_.empty() && h.next_uid <= records_.back().uid) h.next_uid = records_.back().uid + 1;
  std::string content = format_uidlist_header(h);
  content.reserve(content.size() + records_.size() * 64);
  for (const auto& r : records_) content += format_uidlist_record(r);
  struct stat st;
  Status s = internal::replace_file(dir_, kUidListName, kUidListTmpName, content, 0, &st);
  if (!s.ok()) return s;
  header_ = std::move(h);
  exists_ = true;
  needs_rewrite_ = false;
  skipped_lines_ = 0;
  last_uid_validity_ = std::max(last_uid_validity_, header_.uid_validity);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  size_ = st.st_size;
  consumed_ = st.st_size;
  mtime_ns_ = internal::mtime_ns(st);
  return Status::Ok();
}

Result<std::vector<std::uint32_t>> UidList::assign_uids(const UidListLock& lock,
                                                        std::span<const UidRequest> requests) {
  if (Status s = check_lock(lock); !s.ok()) return s;
  // Validate everything and compute the UIDs before changing any state.
  for (const auto& req : requests) {
    if (!storable_base(base_name(req.name))) {
      return Status(Code::kInvalidArgument, "cannot record file name \"" + req.name + "\"");
    }
    if (!valid_fields(req.fields)) {
      return Status(Code::kInvalidArgument, "bad uidlist extension fields \"" + req.fields + "\"");
    }
  }
  bool creating = !exists_;
  std::uint32_t next = creating ? 1 : header_.next_uid;
  if (creating) {
    // A lost list: nothing in memory may be trusted (records_ is empty after read_all()).
    records_.clear();
    by_base_.clear();
  }
  std::vector<std::uint32_t> uids;
  uids.reserve(requests.size());
  std::vector<UidRecord> added;
  std::unordered_map<std::string, std::uint32_t> added_index;
  for (const auto& req : requests) {
    std::string base(base_name(req.name));
    if (auto it = by_base_.find(base); it != by_base_.end()) {
      uids.push_back(it->second);
      continue;
    }
    if (auto it = added_index.find(base); it != added_index.end()) {
      uids.push_back(it->second);
      continue;
    }
    std::uint32_t uid = (req.keep_uid != 0 && req.keep_uid >= next && req.keep_uid <= kMaxUid)
                            ? req.keep_uid
                            : next;
    if (uid > kMaxUid) {
      return Status(Code::kLimit, "UIDs of " + path() +
                                      " are exhausted; the folder needs a new "
                                      "UIDVALIDITY");
    }
    next = uid + 1;
    added_index.emplace(base, uid);
    added.push_back(UidRecord{uid, std::move(base), req.fields});
    uids.push_back(uid);
  }

  bool whole = creating || needs_rewrite_ || header_.version != 3 || header_.guid.empty() ||
               consumed_ != size_;
  if (added.empty() && !creating) return uids;

  std::size_t first_new = records_.size();
  for (auto& r : added) {
    by_base_.emplace(r.base, r.uid);
    records_.push_back(std::move(r));
  }
  if (!whole) {
    // Append, after checking that the file is still the one we read to its end.
    std::string p = path();
    int fd = open(p.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    bool same = fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == ino_ && st.st_dev == dev_ &&
                st.st_size == size_;
    if (!same) {
      if (fd >= 0) close(fd);
      whole = true;  // changed under our lock (broken lock?): write the complete list
    } else {
      std::string lines;
      for (std::size_t i = first_new; i < records_.size(); ++i) {
        lines += format_uidlist_record(records_[i]);
      }
      std::size_t done = 0;
      Status err;
      while (done < lines.size()) {
        ssize_t n = write(fd, lines.data() + done, lines.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          err = from_errno(n < 0 ? errno : ENOSPC, "append to " + p);
          break;
        }
        done += static_cast<std::size_t>(n);
      }
      if (err.ok() && fdatasync(fd) != 0) err = from_errno("fdatasync " + p);
      if (err.ok() && fstat(fd, &st) != 0) err = from_errno("fstat " + p);
      close(fd);
      if (!err.ok()) {
        (void)read_all();  // forget what was not written
        return err;
      }
      header_.next_uid = std::max(header_.next_uid, next);
      size_ = st.st_size;
      consumed_ = st.st_size;
      mtime_ns_ = internal::mtime_ns(st);
      return uids;
    }
  }
  if (!creating) header_.next_uid = std::max(header_.next_uid, next);
  Status s = write_whole(0);
  if (!s.ok()) {
    (void)read_all();
    return s;
  }
  return uids;
}

Result<std::vector<std::uint32_t>> UidList::assign_uids(const UidListLock& lock,
                                                        std::span<const std::string> names) {
  std::vector<UidRequest> requests;
  requests.reserve(names.size());
  for (const auto& n : names) requests.push_back(UidRequest{n, 0, {}});
  return assign_uids(lock, std::span<const UidRequest>(requests));
}

Status UidList::rewrite(const UidListLock& lock,
                        const std::function<bool(const UidRecord&)>& keep) {
  if (Status s = check_lock(lock); !s.ok()) return s;
  std::vector<UidRecord> kept;
  kept.reserve(records_.size());
  std::uint32_t max_uid = records_.empty() ? 0 : records_.back().uid;
  for (auto& r : records_) {
    if (keep(r)) kept.push_back(r);
  }
  std::vector<UidRecord> old = std::move(records_);
  records_ = std::move(kept);
  if (exists_ && header_.next_uid <= max_uid) header_.next_uid = max_uid + 1;
  Status s = write_whole(0);
  if (!s.ok()) {
    records_ = std::move(old);
    (void)read_all();
    return s;
  }
  index_records();
  return Status::Ok();
}

Status UidList::drop_names(const UidListLock& lock, std::span<const std::string> names) {
  std::unordered_map<std::string, bool> drop;
  for (const auto& n : names) drop.emplace(std::string(base_name(n)), true);
  return rewrite(lock, [&](const UidRecord& r) { return drop.find(r.base) == drop.end(); });
}

Status UidList::set_field(const UidListLock& lock, std::uint32_t uid, char key,
                          std::optional<std::string_view> value) {
  if (Status s = check_lock(lock); !s.ok()) return s;
  if (!is_ext_key(key)) {
    return Status(Code::kInvalidArgument, std::string("bad uidlist field key '") + key + "'");
  }
  if (value && value->find_first_of(std::string_view(" \n\r\0", 4)) != std::string_view::npos) {
    return Status(Code::kInvalidArgument, "uidlist field values cannot contain spaces");
  }
  auto it = std::lower_bound(records_.begin(), records_.end(), uid,
                             [](const UidRecord& r, std::uint32_t u) { return r.uid < u; });
  if (it == records_.end() || it->uid != uid) {
    return Status(Code::kNotFound, "UID " + std::to_string(uid) + " is not in " + path());
  }
  std::string fields;
  std::string_view f = it->fields;
  std::size_t pos = 0;
  while (pos < f.size()) {
    std::size_t end = f.find(' ', pos);
    if (end == std::string_view::npos) end = f.size();
    if (end > pos && f[pos] != key) {
      if (!fields.empty()) fields += ' ';
      fields.append(f.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  if (value) {
    if (!fields.empty()) fields += ' ';
    fields += key;
    fields.append(*value);
  }
  std::string old = std::exchange(it->fields, std::move(fields));
  Status s = write_whole(0);
  if (!s.ok()) {
    (void)read_all();
    return s;
  }
  return Status::Ok();
}

Status UidList::recreate(const UidListLock& lock, std::uint32_t previous_uid_validity) {
  if (Status s = check_lock(lock); !s.ok()) return s;
  last_uid_validity_ = std::max(last_uid_validity_, header_.uid_validity);
  exists_ = false;
  header_ = UidListHeader{};
  records_.clear();
  by_base_.clear();
  Status s = write_whole(previous_uid_validity);
  if (!s.ok()) {
    (void)read_all();
    return s;
  }
  return Status::Ok();
}

}  // namespace maildir
