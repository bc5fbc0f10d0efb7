// Mailbox operations: store flags, expunge, copy, move, append.
//
// Every operation changes files by rename/link/unlink only, retries when another process
// renamed a file under it (ENOENT → re-sync → look the UID up again, a bounded number of
// times), and fsyncs the directories it changed before returning success. What an internal
// re-sync finds about other messages is kept for the next Mailbox::sync().
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "mailbox_internal.h"

namespace maildir {

namespace {

constexpr int kMaxRetries = 4;

// The letter mask of `names` in `kw` (the table of folder `dir`). Keywords without a letter
// get one (under the folder's uidlist lock) when `assign`, else are left out.
Result<std::uint32_t> keyword_mask(Keywords& kw, UidList& ul, const std::vector<std::string>& names,
                                   bool assign, std::chrono::milliseconds wait) {
  for (const std::string& k : names) {
    Status v = validate_keyword(k);
    if (!v.ok()) return v;
  }
  std::vector<std::string> missing;
  std::uint32_t mask = kw.mask_of(names, &missing);
  if (missing.empty() || !assign) return mask;
  Result<UidListLock> lock = ul.lock(wait);
  if (!lock.ok()) return lock.status();
  Result<bool> r = kw.refresh();
  if (!r.ok()) return r.status();
  for (const std::string& k : missing) {
    Result<int> idx = kw.assign(k);
    if (!idx.ok()) return idx.status();  // kLimit for the 27th keyword: nothing renamed yet
  }
  Status s = kw.save(*lock);
  if (!s.ok()) return s;
  return kw.mask_of(names);
}

// Maps a message's keyword letters from one folder's table to another's.
Result<std::uint32_t> remap_keywords(const Keywords& from, std::uint32_t mask, Keywords& to,
                                     UidList& to_list, std::chrono::milliseconds wait) {
  if (mask == 0) return 0u;
  return keyword_mask(to, to_list, from.names_of(mask), true, wait);
}

std::string size_fields(const MessageRecord& r) {
  std::string out = ",S=" + std::to_string(r.size);
  if (r.vsize != kUnknownSize) out += ",W=" + std::to_string(r.vsize);
  return out;
}

Result<std::size_t> read_some(int fd, char* buf, std::size_t cap) {
  while (true) {
    ssize_t n = ::read(fd, buf, cap);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return from_errno("read message");
  }
}

}  // namespace

// Takes the messages whose files this operation removed out of the view (they count as
// expunged by this session, so a later sync does not report them again).
static void drop_removed(Mailbox& m, std::vector<std::uint32_t>& removed) {
  if (removed.empty()) return;
  MailboxInternals::drop_uids(m, removed);
  removed.clear();
}

// Re-syncs after a file was renamed under us, keeping what it finds for the next sync().
static Status resync(Mailbox& m, std::vector<std::uint32_t>& removed) {
  drop_removed(m, removed);
  return MailboxInternals::resync(m);
}

Result<std::vector<StoredFlags>> Mailbox::store(std::span<const std::uint32_t> uids,
                                                const FlagStore& change) {
  MailboxInternals::unshare(*this);
  Result<UidList*> ul = MailboxInternals::uidlist(*this, false);
  if (!ul.ok()) return ul.status();
  Result<std::uint32_t> kw = keyword_mask(keywords_, **ul, change.keywords,
                                          change.mode != StoreMode::kRemove, options_.lock_wait);
  if (!kw.ok()) return kw.status();
  const std::uint8_t sys = change.system & kAllSystemFlags;
  std::vector<StoredFlags> out;
  bool touched = false;
  const std::string cur = dir_ + "/cur";
  for (std::uint32_t uid : uids) {
    for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
      std::optional<std::size_t> idx = find_uid(uid);
      if (!idx) break;  // expunged (by us or, as a re-sync found, by someone else)
      MessageRecord& r = records_[*idx];
      MessageFlags now = flags(*idx);
      MessageFlags want = now;
      switch (change.mode) {
        case StoreMode::kReplace:
          want.system = sys;
          want.keywords = *kw;
          break;
        case StoreMode::kAdd:
          want.system |= sys;
          want.keywords |= *kw;
          break;
        case StoreMode::kRemove:
          want.system &= static_cast<std::uint8_t>(~sys);
          want.keywords &= ~*kw;
          break;
      }
      const std::string old_name(file_name(*idx));
      const std::string new_name = with_flags(old_name, want);
      if (want == now && r.dir == MessageDir::kCur && new_name == old_name) {
        out.push_back({uid, now});
        break;
      }
      const std::string from = MailboxInternals::subdir_path(*this, r.dir) + "/" + old_name;
      const std::string to = cur + "/" + new_name;
      Status s = from == to ? Status::Ok() : Env::posix().rename(from, to, RenameMode::kNoReplace);
      if (s.ok()) {
        MailboxInternals::set_name(*this, r, new_name);
        r.dir = MessageDir::kCur;
        index_dirty_ = true;
        touched = true;
        out.push_back({uid, flags(*idx)});
        break;
      }
      if (s.code() != Code::kNotFound && s.code() != Code::kExists) return s;
      // Renamed or moved by someone else since our last sync: find it again.
      Status rs = MailboxInternals::resync(*this);
      if (!rs.ok()) return rs;
    }
  }
  if (touched) {
    Status s = Env::posix().sync_dir(cur);
    if (!s.ok()) return s;
    Status n = Env::posix().sync_dir(dir_ + "/new");
    if (!n.ok()) return n;
  }
  MailboxInternals::maybe_compact(*this);
  return out;
}

Result<std::vector<std::uint32_t>> Mailbox::expunge(std::span<const std::uint32_t> uids) {
  MailboxInternals::unshare(*this);
  Quota quota(quota_root_, options_.quota);
  std::vector<std::uint32_t> done;
  std::vector<std::uint32_t> removed;  // taken out of the view in one pass (O(n), not O(n*k))
  bool touched_new = false, touched_cur = false;
  for (std::uint32_t uid : uids) {
    for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
      std::optional<std::size_t> idx = find_uid(uid);
      if (!idx) break;
      Result<std::uint64_t> size = this->size(*idx);
      if (!size.ok() && size.status().code() != Code::kNotFound) return size.status();
      const MessageRecord r = records_[*idx];
      const std::string p = path(*idx);
      Status s = !size.ok() ? size.status()
                            : quota.update(-static_cast<std::int64_t>(*size), -1,
                                           [&] { return Env::posix().unlink(p); });
      if (s.ok()) {
        done.push_back(uid);
        (r.dir == MessageDir::kNew ? touched_new : touched_cur) = true;
        // Mark it gone at once, so a re-sync for a later UID does not report it.
        removed.push_back(uid);
        break;
      }
      if (s.code() != Code::kNotFound) {
        drop_removed(*this, removed);
        return s;
      }
      Status rs = resync(*this, removed);
      if (!rs.ok()) return rs;
    }
  }
  drop_removed(*this, removed);
  if (touched_cur) {
    Status s = Env::posix().sync_dir(dir_ + "/cur");
    if (!s.ok()) return s;
  }
  if (touched_new) {
    Status s = Env::posix().sync_dir(dir_ + "/new");
    if (!s.ok()) return s;
  }
  std::sort(done.begin(), done.end());
  return done;
}

Result<CopyResult> Mailbox::copy_to(std::span<const std::uint32_t> uids,
                                    const std::string& target_dir) {
  Result<UidList> tlist = UidList::load(target_dir);
  if (!tlist.ok()) return tlist.status();
  Result<Keywords> tkw = Keywords::load(target_dir);
  if (!tkw.ok()) return tkw.status();
  const std::string troot = quota_root_of(target_dir);
  Quota tquota(troot, options_.quota);
  std::uint64_t total = 0;
  std::vector<std::uint32_t> present;
  for (std::uint32_t uid : uids) {
    if (std::optional<std::size_t> i = find_uid(uid)) {
      Result<std::uint64_t> size = this->size(*i);
      if (!size.ok()) continue;  // vanished: a sync will report it
      (void)internal_date(*i);   // the copy keeps it
      total += *size;
      present.push_back(uid);
    }
  }
  if (present.empty()) {
    CopyResult none;
    none.target_uidvalidity = tlist->uid_validity();
    return none;
  }
  Status q = tquota.check(total, options_.quota_policy);
  if (!q.ok()) return q;

  const std::string tcur = target_dir + "/cur";
  std::vector<std::string> names;
  std::vector<std::uint32_t> sources;
  for (std::uint32_t uid : present) {
    for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
      std::optional<std::size_t> idx = find_uid(uid);
      if (!idx) break;
      (void)size(*idx);  // loads size and internal date when not known yet
      (void)internal_date(*idx);
      const MessageRecord r = recs()[*idx];
      Result<std::uint32_t> tmask =
          remap_keywords(keywords_, r.keywords, *tkw, *tlist, options_.lock_wait);
      if (!tmask.ok()) return tmask.status();
      const MessageFlags f{r.flags, *tmask};
      const std::string src = path(*idx);
      const std::string name = format_name(make_unique_name() + size_fields(r), f);
      Status s = tquota.update(static_cast<std::int64_t>(r.size), 1,
                               [&] { return Env::posix().link(src, tcur + "/" + name); });
      if (s.ok()) {
        names.push_back(name);
        sources.push_back(uid);
        break;
      }
      if (s.code() == Code::kNotFound) {
        Status rs = MailboxInternals::resync(*this);
        if (!rs.ok()) return rs;
        continue;
      }
      // No hard links here (another file system, or not allowed): copy the bytes.
      int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0) {
        if (errno == ENOENT) {
          Status rs = MailboxInternals::resync(*this);
          if (!rs.ok()) return rs;
          continue;
        }
        return from_errno("open " + src);
      }
      DeliveryOptions d;
      d.internal_date = timespec{static_cast<time_t>(r.mtime), 0};
      d.info = flags_string(f);
      d.max_size = 0;
      d.quota = &tquota;
      d.policy = options_.quota_policy;
      Result<Delivered> got = deliver(
          target_dir, [fd](char* buf, std::size_t cap) { return read_some(fd, buf, cap); }, d);
      ::close(fd);
      if (!got.ok()) return got.status();
      names.push_back(got->name);
      sources.push_back(uid);
      break;
    }
  }
  Status ds = Env::posix().sync_dir(tcur);
  if (!ds.ok()) return ds;
  CopyResult out;
  if (!names.empty()) {
    Result<UidListLock> lock = tlist->lock(options_.lock_wait);
    if (!lock.ok()) return lock.status();
    Result<std::vector<std::uint32_t>> tuids = tlist->assign_uids(*lock, names);
    if (!tuids.ok()) return tuids.status();
    for (size_t i = 0; i < names.size(); ++i) out.mapping.push_back({sources[i], (*tuids)[i]});
  }
  out.target_uidvalidity = tlist->uid_validity();
  return out;
}

Result<CopyResult> Mailbox::move_to(std::span<const std::uint32_t> uids,
                                    const std::string& target_dir,
                                    std::vector<std::uint32_t>* moved) {
  if (moved != nullptr) moved->clear();
  MailboxInternals::unshare(*this);
  if (target_dir == dir_) {
    // Into the same folder: new UIDs (a copy), then the originals go.
    Result<CopyResult> c = copy_to(uids, target_dir);
    if (!c.ok()) return c;
    std::vector<std::uint32_t> src;
    for (const UidMapping& mp : c->mapping) src.push_back(mp.source_uid);
    Result<std::vector<std::uint32_t>> gone = expunge(src);
    if (!gone.ok()) return gone.status();
    if (moved != nullptr) *moved = *gone;
    return c;
  }
  Result<UidList> tlist = UidList::load(target_dir);
  if (!tlist.ok()) return tlist.status();
  Result<Keywords> tkw = Keywords::load(target_dir);
  if (!tkw.ok()) return tkw.status();
  const std::string troot = quota_root_of(target_dir);
  const bool same_root = troot == quota_root_;
  Quota squota(quota_root_, options_.quota);
  Quota tquota(troot, options_.quota);
  if (!same_root) {
    std::uint64_t total = 0;
    for (std::uint32_t uid : uids) {
      if (std::optional<std::size_t> i = find_uid(uid)) {
        Result<std::uint64_t> size = this->size(*i);
        if (size.ok()) total += *size;
      }
    }
    Status q = tquota.check(total, options_.quota_policy);
    if (!q.ok()) return q;
  }
  const std::string tcur = target_dir + "/cur";
  std::vector<UidRequest> requests;
  std::vector<std::uint32_t> sources;
  std::vector<std::uint32_t> removed;
  bool touched_new = false, touched_cur = false;
  for (std::uint32_t uid : uids) {
    for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
      std::optional<std::size_t> idx = find_uid(uid);
      if (!idx) break;
      (void)size(*idx);  // loads size and internal date when not known yet
      (void)internal_date(*idx);
      const MessageRecord r = records_[*idx];
      Result<std::uint32_t> tmask =
          remap_keywords(keywords_, r.keywords, *tkw, *tlist, options_.lock_wait);
      if (!tmask.ok()) return tmask.status();
      const MessageFlags f{r.flags, *tmask};
      const std::string src = path(*idx);
      std::string name = with_flags(file_name(*idx), f);
      auto do_rename = [&]() -> Status {
        Status s = Env::posix().rename(src, tcur + "/" + name, RenameMode::kNoReplace);
        if (s.code() == Code::kExists) {
          // The target has a file with this base already (an earlier copy): take a new base.
          name = format_name(make_unique_name() + size_fields(r), f);
          s = Env::posix().rename(src, tcur + "/" + name, RenameMode::kNoReplace);
        }
        return s;
      };
      Status s = same_root ? do_rename() : tquota.update(static_cast<std::int64_t>(r.size), 1, [&] {
        return squota.update(-static_cast<std::int64_t>(r.size), -1, do_rename);
      });
      if (s.ok()) {
        UidRequest req;
        req.name = name;
        req.keep_uid = uid;
        requests.push_back(std::move(req));
        sources.push_back(uid);
        (r.dir == MessageDir::kNew ? touched_new : touched_cur) = true;
        removed.push_back(uid);
        break;
      }
      if (s.code() != Code::kNotFound) {
        drop_removed(*this, removed);
        return s;
      }
      Status rs = resync(*this, removed);
      if (!rs.ok()) return rs;
    }
  }
  drop_removed(*this, removed);
  // The target entry first: after a crash the message is in exactly one place anyway.
  if (!requests.empty()) {
    Status s = Env::posix().sync_dir(tcur);
    if (!s.ok()) return s;
  }
  if (touched_cur) {
    Status s = Env::posix().sync_dir(dir_ + "/cur");
    if (!s.ok()) return s;
  }
  if (touched_new) {
    Status s = Env::posix().sync_dir(dir_ + "/new");
    if (!s.ok()) return s;
  }
  CopyResult out;
  if (!requests.empty()) {
    Result<UidListLock> lock = tlist->lock(options_.lock_wait);
    if (!lock.ok()) return lock.status();
    Result<std::vector<std::uint32_t>> tuids = tlist->assign_uids(*lock, requests);
    if (!tuids.ok()) return tuids.status();
    for (size_t i = 0; i < requests.size(); ++i) out.mapping.push_back({sources[i], (*tuids)[i]});
  }
  out.target_uidvalidity = tlist->uid_validity();
  if (moved != nullptr) {
    *moved = sources;
    std::sort(moved->begin(), moved->end());
  }
  return out;
}

Result<Appended> append_to_folder(const std::string& folder_dir, const MessageReader& reader,
                                  const AppendOptions& options) {
  Result<UidList> list = UidList::load(folder_dir);
  if (!list.ok()) return list.status();
  Result<Keywords> kw = Keywords::load(folder_dir);
  if (!kw.ok()) return kw.status();
  const std::chrono::milliseconds wait(5000);
  Result<std::uint32_t> mask = keyword_mask(*kw, *list, options.keywords, true, wait);
  if (!mask.ok()) return mask.status();
  const std::string root =
      options.quota_root.empty() ? quota_root_of(folder_dir) : options.quota_root;
  Quota quota(root, options.quota);
  DeliveryOptions d;
  d.internal_date = options.internal_date;
  d.info = flags_string(
      MessageFlags{static_cast<std::uint8_t>(options.flags.system & kAllSystemFlags), *mask});
  d.max_size = options.max_size;
  d.quota = &quota;
  d.policy = options.quota_policy;
  Result<Delivered> got = deliver(folder_dir, reader, d);
  if (!got.ok()) return got.status();
  // The message is durable; now its UID. (Should this fail, the next sync gives it one.)
  Result<UidListLock> lock = list->lock(wait);
  if (!lock.ok()) return lock.status();
  std::vector<std::string> names{got->name};
  Result<std::vector<std::uint32_t>> uids = list->assign_uids(*lock, names);
  if (!uids.ok()) return uids.status();
  Appended out;
  out.uidvalidity = list->uid_validity();
  out.uid = (*uids)[0];
  out.name = got->name;
  return out;
}

Result<Appended> append_to_folder(const std::string& folder_dir, std::string_view message,
                                  const AppendOptions& options) {
  std::size_t pos = 0;
  return append_to_folder(
      folder_dir,
      [&](char* buf, std::size_t cap) -> Result<std::size_t> {
        std::size_t n = std::min(cap, message.size() - pos);
        std::copy_n(message.data() + pos, n, buf);
        pos += n;
        return n;
      },
      options);
}

}  // namespace maildir
