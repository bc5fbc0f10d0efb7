// Syncing a Mailbox view with the Maildir files.
//
// The problem. A Maildir folder is shared, without any lock on the messages, by everyone who
// touches it: tegami sessions in this and other processes (and on other hosts over NFS),
// Dovecot, mutt, a `cp -a` restoring a backup. Any of them may at any moment deliver into new/,
// move new/ -> cur/, rename a file in cur/ to change its flags, or unlink it. The view must
// follow, and tell the protocol layers exactly what changed: a UID that vanished (EXPUNGE), a
// new file (EXISTS, with a UID that is larger than every UID the session has seen), or a
// renamed file whose flags differ (FETCH FLAGS).
//
// The identity of a message is its BASE name (everything before the first ':'), which stays
// the same across flag renames and new/ -> cur/. dovecot-uidlist maps base names to UIDs.
//
// Cheap when nothing changed. Every sync starts by stat()ing new/, cur/ and dovecot-uidlist
// (dir_stamp.h). A directory whose stamp equals the one seen before the last scan of it, where
// that stamp was "stable" (its mtime at least a second older than the moment of the stat, so
// that no later change can have produced the same mtime), is not listed again. tegami-index
// keeps these stamps across processes, so a warm open of an unchanged 100k folder does three
// stats and one read.
//
// Listing. A changed directory is listed with readdir(). new/ is listed before cur/: files
// only ever move new/ -> cur/, so a file moved while we list is seen at least once (in cur/),
// possibly twice (in both), never zero times. But POSIX leaves unspecified whether readdir
// returns an entry renamed *within* the directory during the listing, so a flag rename in
// cur/ racing with our readdir can make a message appear twice or not at all. Dovecot's
// maildir-sync.c has the same race; like it, we detect it and list again: the directory is
// stat()ed before and after the listing, and if it changed in between, the whole listing is
// retried (up to kMaxAttempts). If it never settles, we keep the last listing but refuse to
// believe any disappearance we cannot confirm: a record whose old name is absent from the
// listing is only reported expunged when fstatat() of that old name also says ENOENT. A new
// file whose fstatat() fails with ENOENT was renamed after readdir(): list again.
//
// Duplicates. The same base name seen twice is either the race above (one name no longer
// exists: keep the other) or two real files (a restore copied a message next to its renamed
// self, or a copy tool gave a file a name that exists). Two real files get two messages: the
// second is renamed to a fresh unique base name and is then an ordinary new file.
//
// UIDs. A file whose base is in dovecot-uidlist takes that UID, provided the UID is larger
// than every UID this view has ever held — otherwise it is an "unexpunge" (a message this
// session already reported expunged came back, e.g. restored from backup) or a race with a
// rewriter, and IMAP forbids handing out a UID below one the client has already seen; such a
// file gets a new UID (its stale record is dropped first). Files with no usable UID are given
// UIDs under dovecot-uidlist.lock. Because another process may have assigned UIDs between our
// listing and our lock, the listing is done again once the lock is held, so every file is
// looked up in the list as it is under the lock: two processes syncing at once never give one
// file two UIDs (tests/unit/maildir/test_mailbox.cpp forks to check it). new/ is always listed
// again under the lock; cur/ only when its stamp changed since the unlocked listing or is too
// recent to prove anything (re-listing 100k entries of an unchanged cur/ would double the cost
// of the first delivery a session sees).
//
// UIDVALIDITY. When dovecot-uidlist is replaced by one with another UIDVALIDITY, or deleted
// (then rebuilt with a new UIDVALIDITY, never silently reusing UIDs), every UID in the view is
// void: the view is rebuilt from scratch and the change report says uidvalidity_changed.
//
// Our own changes. Renames, unlinks and deliveries done by this process change the directory
// stamps as well; the next sync lists the directory again and finds nothing new in it. This
// costs a readdir, never correctness.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "mailbox_internal.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace maildir {

namespace {

constexpr int kMaxAttempts = 6;

// Base names are ~60 bytes; XXH3 hashes them several times faster than std::hash.
struct NameHash {
  size_t operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }
};
using NameMap = std::unordered_map<std::string_view, std::uint32_t, NameHash>;

struct ScanEntry {
  std::uint32_t off;
  std::uint8_t len;
  MessageDir dir;
  bool type_unknown;  // readdir gave DT_UNKNOWN: lstat() tells whether it is a regular file
};

struct ScanList {
  std::string pool;
  std::vector<ScanEntry> entries;
  std::string_view name(const ScanEntry& e) const { return {pool.data() + e.off, e.len}; }
};

// Lists `path` into `out`, skipping dot files, directories and symlinks (a symlink in cur/
// could point out of the Maildir). Names longer than 255 bytes cannot exist on Linux.
Status scan_dir(const std::string& path, MessageDir which, ScanList& out) {
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return from_errno("opendir " + path);
  while (true) {
    errno = 0;
    struct dirent* e = readdir(d);
    if (e == nullptr) {
      if (errno != 0) {
        Status s = from_errno("readdir " + path);
        closedir(d);
        return s;
      }
      break;
    }
    if (e->d_name[0] == '.') continue;
    if (e->d_type == DT_DIR || e->d_type == DT_LNK) continue;
    size_t len = std::strlen(e->d_name);
    if (len > 255) continue;
    out.entries.push_back(ScanEntry{static_cast<std::uint32_t>(out.pool.size()),
                                    static_cast<std::uint8_t>(len), which,
                                    e->d_type == DT_UNKNOWN});
    out.pool.append(e->d_name, len);
  }
  closedir(d);
  return Status::Ok();
}

// fstatat without following symlinks; ENOENT -> nullopt in *missing.
Result<struct stat> lstat_at(const std::string& dir, std::string_view name) {
  std::string p = dir + "/" + std::string(name);
  struct stat st;
  if (lstat(p.c_str(), &st) != 0) return from_errno("stat " + p);
  return st;
}

bool exists_at(const std::string& dir, std::string_view name) {
  std::string p = dir + "/" + std::string(name);
  struct stat st;
  return lstat(p.c_str(), &st) == 0;
}

// A new base name for a second real file with the same base: a fresh unique part, keeping the
// ,S= / ,W= fields and the info.
std::string renamed_duplicate(std::string_view name) {
  std::string_view base = maildir::base_name(name);
  std::string out = make_unique_name();
  size_t comma = base.find(',');
  if (comma != std::string_view::npos) out += base.substr(comma);
  out += name.substr(base.size());
  return out;
}

// Orders unique names by their leading decimal seconds, then bytewise.
bool delivery_order_less(std::string_view a, std::string_view b) {
  // A number of at most 19 digits at the start of `n` (past it: the digits read so far).
  auto number = [](std::string_view n, size_t& i) {
    unsigned long long v = 0;
    size_t start = i;
    for (; i < n.size() && i - start < 19 && n[i] >= '0' && n[i] <= '9'; ++i)
      v = v * 10 + static_cast<unsigned long long>(n[i] - '0');
    return v;
  };
  size_t ia = 0, ib = 0;
  unsigned long long sa = number(a, ia), sb = number(b, ib);
  if (sa != sb) return sa < sb;
  // Same second: modern delivery ids start with M<microseconds>, written without leading
  // zeros, so "M99" was delivered before "M100" although it sorts after it as text.
  if (ia + 1 < a.size() && ib + 1 < b.size() && a.compare(ia, 2, ".M") == 0 &&
      b.compare(ib, 2, ".M") == 0) {
    ia += 2;
    ib += 2;
    unsigned long long ua = number(a, ia), ub = number(b, ib);
    if (ua != ub) return ua < ub;
  }
  return a < b;
}

// A new file found by the listing.
struct Fresh {
  ScanEntry entry;
  std::uint32_t uid = 0;      // from the uidlist, when usable
  bool stale_record = false;  // the uidlist has a record we must not use (drop it first)
};

}  // namespace

Result<UidList*> MailboxInternals::uidlist(Mailbox& m, bool refresh) {
  if (!m.uidlist_) {
    Result<UidList> ul = UidList::load(m.dir_);
    if (!ul.ok()) return ul.status();
    m.uidlist_.emplace(std::move(*ul));
  } else if (refresh) {
    Result<bool> r = m.uidlist_->refresh();
    if (!r.ok()) return r.status();
  }
  return &*m.uidlist_;
}

Status MailboxInternals::sync(Mailbox& m, const SyncOptions& options, SyncChanges& out) {
  {
    Result<bool> kw = m.keywords_.refresh();
    if (!kw.ok()) return kw.status();
    if (*kw) out.keywords_changed = true;
  }
  const std::string new_dir = m.dir_ + "/new";
  const std::string cur_dir = m.dir_ + "/cur";
  const std::string ul_path = m.dir_ + "/" + std::string(kUidListName);

  if (sharing(m) && !m.force_rescan_) {
    // Shared views (mailbox_share.cpp): a view out of step takes the folder's snapshot when
    // the directories are what it was built from; a shared view in step stays shared.
    Result<DirStamp> s_new = stamp_of(new_dir);
    Result<DirStamp> s_cur = stamp_of(cur_dir);
    Result<DirStamp> s_ul = stamp_of(ul_path);
    if (s_new.ok() && s_cur.ok() && s_ul.ok() && s_new->exists && s_cur->exists) {
      auto in_step = [&] {
        return m.known_new_.stable && m.known_new_.stamp == *s_new && m.known_cur_.stable &&
               m.known_cur_.stamp == *s_cur && m.known_uidlist_.stable &&
               m.known_uidlist_.stamp == *s_ul && m.uid_validity_ != 0;
      };
      bool step = in_step();
      if (!step && adopt(m, *s_new, *s_cur, *s_ul, out)) step = in_step();
      const bool dirs_in_step = m.known_new_.stable && m.known_new_.stamp == *s_new &&
                                m.known_cur_.stable && m.known_cur_.stamp == *s_cur &&
                                m.uid_validity_ != 0;
      if (m.shared_ && !step && dirs_in_step) {
        // Only dovecot-uidlist is unproven (written less than a second ago, e.g. by the sync
        // that gave the UIDs, or rewritten by another program): as the loop below would, read
        // it to check UIDVALIDITY and UIDNEXT; the listing of new/ and cur/ stays exact.
        const long long now = wall_clock_sec();
        Result<UidList*> ul = uidlist(m, true);
        if (ul.ok() && (*ul)->exists() && (*ul)->uid_validity() == m.uid_validity_) {
          m.uid_next_ = std::max(m.uid_next_, (*ul)->next_uid());
          m.guid_ = (*ul)->guid();
          m.known_uidlist_ = IndexStamp{*s_ul, s_ul->stable_at(now)};
          m.uidlist_.reset();  // read again when needed; a shared view holds no list
          step = true;
        }
      }
      if (m.shared_ && step && !(options.move_new_to_cur && m.shared_->has_new)) {
        m.last_from_cache_ = true;
        return Status::Ok();
      }
    }
  }
  unshare(m);  // the sync below works on a private view

  std::optional<UidListLock> lock;
  std::uint32_t previous_uv = 0;  // UIDVALIDITY of a list that was lost: the new one must differ
  std::optional<ScanList> cur_listing;  // the last exact listing of cur/ in this sync
  DirStamp cur_listing_stamp;
  bool scanned_any = false;
  bool moved_any = false;
  for (int attempt = 0;; ++attempt) {
    const bool last_attempt = attempt + 1 >= kMaxAttempts;
    const long long now = wall_clock_sec();
    Result<DirStamp> s_new = stamp_of(new_dir);
    if (!s_new.ok()) return s_new.status();
    Result<DirStamp> s_cur = stamp_of(cur_dir);
    if (!s_cur.ok()) return s_cur.status();
    Result<DirStamp> s_ul = stamp_of(ul_path);
    if (!s_ul.ok()) return s_ul.status();
    if (!s_new->exists || !s_cur->exists) {
      return Status(Code::kNotFound, m.dir_ + ": new/ or cur/ is missing");
    }
    // Under the lock new/ is always listed again (see the top); cur/ by the usual rule.
    bool scan_new = m.force_rescan_ || lock.has_value() ||
                    !(m.known_new_.stable && m.known_new_.stamp == *s_new);
    bool scan_cur = m.force_rescan_ || !(m.known_cur_.stable && m.known_cur_.stamp == *s_cur);
    const bool ul_changed = !(m.known_uidlist_.stable && m.known_uidlist_.stamp == *s_ul);
    bool has_new_records = false;
    if (options.move_new_to_cur) {
      for (const MessageRecord& r : m.records_) {
        if (r.dir == MessageDir::kNew) {
          has_new_records = true;
          break;
        }
      }
    }
    if (!scan_new && !scan_cur && !ul_changed && !has_new_records) break;

    // dovecot-uidlist changed (or was never read by this view): check UIDVALIDITY.
    if (ul_changed || !m.uidlist_) {
      if (ul_changed || m.uid_validity_ == 0) {
        Result<UidList*> ul = uidlist(m, true);
        if (!ul.ok()) return ul.status();
        UidList& list = **ul;
        const bool lost = !list.exists() && !m.records_.empty();
        const bool other =
            list.exists() && m.uid_validity_ != 0 && list.uid_validity() != m.uid_validity_;
        if (lost || other) {
          // Every UID of the view is void: start again from the files.
          previous_uv = std::max(previous_uv, m.uid_validity_);
          m.records_.clear();
          m.names_.clear();
          m.names_garbage_ = 0;
          m.expunged_uids_.clear();
          m.max_uid_seen_ = 0;
          m.uid_validity_ = 0;
          m.index_dirty_ = true;
          out = SyncChanges{};
          out.uidvalidity_changed = true;
          scan_new = scan_cur = true;
        }
        if (list.exists()) {
          m.uid_validity_ = list.uid_validity();
          m.uid_next_ = list.next_uid();
          m.guid_ = list.guid();
        }
      }
    }

    // List the changed directories (new/ first: see the top of this file).
    ScanList scan;
    if (scan_new) {
      Status s = scan_dir(new_dir, MessageDir::kNew, scan);
      if (!s.ok()) return s;
    }
    bool cur_reused = false;
    if (scan_cur) {
      const size_t first_cur = scan.entries.size();
      const size_t pool_base = scan.pool.size();
      if (lock && cur_listing && cur_listing_stamp == *s_cur && cur_listing_stamp.stable_at(now)) {
        // The locked pass: cur/ has not changed since the listing just made (and that
        // stamp is old enough to prove it), so that listing is still exact. Only new/ —
        // where other processes put the files they give UIDs to — must be listed again.
        scan.pool.append(cur_listing->pool);
        for (ScanEntry e : cur_listing->entries) {
          e.off += static_cast<std::uint32_t>(pool_base);
          scan.entries.push_back(e);
        }
        cur_reused = true;
      } else {
        Status s = scan_dir(cur_dir, MessageDir::kCur, scan);
        if (!s.ok()) return s;
      }
      if (!cur_reused) {
        // Keep this listing of cur/ for a locked pass right after.
        cur_listing.emplace();
        cur_listing->pool.assign(scan.pool, pool_base, std::string::npos);
        for (size_t k = first_cur; k < scan.entries.size(); ++k) {
          ScanEntry e = scan.entries[k];
          e.off -= static_cast<std::uint32_t>(pool_base);
          cur_listing->entries.push_back(e);
        }
        cur_listing_stamp = *s_cur;
      }
    }
    scanned_any = scanned_any || scan_new || scan_cur;
    bool racy = false;
    if (scan_new) {
      Result<DirStamp> after = stamp_of(new_dir);
      racy = racy || !after.ok() || *after != *s_new;
    }
    if (scan_cur && !cur_reused) {
      Result<DirStamp> after = stamp_of(cur_dir);
      const bool changed = !after.ok() || *after != *s_cur;
      if (changed) cur_listing.reset();
      racy = racy || changed;
    }
    if (racy && !last_attempt) continue;

    // Match the listing against the view by base name.
    NameMap by_base;
    by_base.reserve(m.records_.size() * 2 + 16);
    for (std::uint32_t i = 0; i < m.records_.size(); ++i) {
      const MessageRecord& r = m.records_[i];
      by_base.emplace(std::string_view(m.names_.data() + r.name_off, r.base_len), i);
    }
    // seen: 1 when found (records in directories we did not list count as found).
    std::vector<char> seen(m.records_.size(), 0);
    for (size_t i = 0; i < m.records_.size(); ++i) {
      MessageDir d = m.records_[i].dir;
      if ((d == MessageDir::kNew && !scan_new) || (d == MessageDir::kCur && !scan_cur)) seen[i] = 1;
    }
    std::vector<Fresh> fresh;
    NameMap fresh_by_base;  // base -> index in `fresh`
    fresh_by_base.reserve(scan.entries.size() > m.records_.size()
                              ? 2 * (scan.entries.size() - m.records_.size())
                              : 16);
    std::vector<std::uint32_t> flag_changes;
    // Updates are applied after the loop: set_name() appends to the pool, which may move it
    // and invalidate the string_views held by by_base.
    std::vector<std::pair<std::uint32_t, ScanEntry>> renamed;
    bool retry = false;
    for (const ScanEntry& e : scan.entries) {
      std::string_view name = scan.name(e);
      std::string_view base = maildir::base_name(name);
      if (base.empty()) continue;
      auto it = by_base.find(base);
      if (it != by_base.end()) {
        const std::uint32_t i = it->second;
        MessageRecord& r = m.records_[i];
        std::string_view old_name = name_of(m, r);
        if (seen[i]) {
          // Same base twice: a rename we raced with, or two real files (see the top).
          std::string_view other = old_name;
          MessageDir other_dir = r.dir;
          for (auto& [idx, ent] : renamed) {
            if (idx == i) {
              other = scan.name(ent);
              other_dir = ent.dir;
            }
          }
          if (other == name && other_dir == e.dir) continue;  // listed twice by readdir
          const bool mine_exists = exists_at(subdir_path(m, e.dir), name);
          const bool other_exists = exists_at(subdir_path(m, other_dir), other);
          if (!mine_exists) continue;
          if (!other_exists) {
            bool replaced = false;
            for (auto& [idx, ent] : renamed) {
              if (idx == i) {
                ent = e;
                replaced = true;
              }
            }
            if (!replaced) renamed.emplace_back(i, e);
            continue;
          }
          // Two real files: give this one a new base name, then list again.
          std::string from = subdir_path(m, e.dir) + "/" + std::string(name);
          std::string to = subdir_path(m, e.dir) + "/" + renamed_duplicate(name);
          if (Env::posix().rename(from, to, RenameMode::kNoReplace).ok()) retry = true;
          continue;
        }
        seen[i] = 1;
        if (old_name != name || r.dir != e.dir) renamed.emplace_back(i, e);
        continue;
      }
      auto fit = fresh_by_base.find(base);
      if (fit != fresh_by_base.end()) {
        Fresh& f = fresh[fit->second];
        std::string_view other = scan.name(f.entry);
        if (other == name && f.entry.dir == e.dir) continue;
        const bool mine_exists = exists_at(subdir_path(m, e.dir), name);
        const bool other_exists = exists_at(subdir_path(m, f.entry.dir), other);
        if (!mine_exists) continue;
        if (!other_exists) {
          f.entry = e;
          continue;
        }
        std::string from = subdir_path(m, e.dir) + "/" + std::string(name);
        std::string to = subdir_path(m, e.dir) + "/" + renamed_duplicate(name);
        if (Env::posix().rename(from, to, RenameMode::kNoReplace).ok()) retry = true;
        continue;
      }
      fresh_by_base.emplace(base, static_cast<std::uint32_t>(fresh.size()));
      Fresh f{};
      f.entry = e;
      fresh.push_back(f);
    }
    if (retry && !last_attempt) continue;

    // New files. No stat() here (size and date are loaded lazily, message.h) unless readdir
    // could not tell a regular file from a symlink; a vanished one means a rename raced us.
    bool vanished = false;
    std::vector<Fresh> usable;
    usable.reserve(fresh.size());
    std::vector<std::int32_t> usable_of_fresh(fresh.size(), -1);
    for (size_t fi = 0; fi < fresh.size(); ++fi) {
      Fresh& f = fresh[fi];
      if (f.entry.type_unknown) {
        Result<struct stat> st = lstat_at(subdir_path(m, f.entry.dir), scan.name(f.entry));
        if (!st.ok()) {
          if (st.status().code() == Code::kNotFound) {
            vanished = true;
            continue;
          }
          return st.status();
        }
        if (!S_ISREG(st->st_mode)) continue;  // symlinks and other oddities are not messages
      }
      usable_of_fresh[fi] = static_cast<std::int32_t>(usable.size());
      usable.push_back(f);
    }
    if (vanished && !last_attempt) continue;

    // Look the new files up in dovecot-uidlist.
    std::vector<size_t> need_uid;
    bool relist_locked = false;
    if (!usable.empty()) {
      Result<UidList*> ul = uidlist(m, !lock.has_value());
      if (!ul.ok()) return ul.status();
      UidList& list = **ul;
      if (list.exists() && m.uid_validity_ != 0 && list.uid_validity() != m.uid_validity_) {
        // Replaced while we listed: start over (the check at the top handles it).
        m.known_uidlist_ = IndexStamp{};
        if (!last_attempt) continue;
        return Status(Code::kIo, m.dir_ + ": dovecot-uidlist keeps changing its UIDVALIDITY");
      }
      // The UID the list gives each new file (0: none). Many new files (a cold open): one
      // pass over the list against a map of the new names; a few: a lookup each.
      std::vector<std::uint32_t> listed(usable.size(), 0);
      if (list.exists()) {
        if (usable.size() > 64) {
          for (const UidRecord& rec : list.records()) {
            auto it = fresh_by_base.find(rec.base);
            if (it == fresh_by_base.end()) continue;
            std::int32_t k = usable_of_fresh[it->second];
            // The map's entry may be a duplicate resolved to another name: compare bases.
            if (k >= 0 && maildir::base_name(scan.name(usable[k].entry)) == rec.base) {
              listed[k] = rec.uid;
            }
          }
        } else {
          for (size_t k = 0; k < usable.size(); ++k) {
            const UidRecord* rec = list.find_name(scan.name(usable[k].entry));
            if (rec != nullptr) listed[k] = rec->uid;
          }
        }
      }
      for (size_t k = 0; k < usable.size(); ++k) {
        Fresh& f = usable[k];
        const std::uint32_t uid = listed[k];
        if (uid != 0 && uid > m.max_uid_seen_ &&
            !std::binary_search(m.expunged_uids_.begin(), m.expunged_uids_.end(), uid) &&
            !m.find_uid(uid)) {
          f.uid = uid;
        } else {
          f.stale_record = uid != 0;
          need_uid.push_back(k);
        }
      }
      // Two new files claiming one UID (a damaged list): only the first keeps it.
      {
        std::vector<std::pair<std::uint32_t, size_t>> claimed;
        claimed.reserve(usable.size());
        for (size_t k = 0; k < usable.size(); ++k) {
          if (usable[k].uid != 0) claimed.emplace_back(usable[k].uid, k);
        }
        std::sort(claimed.begin(), claimed.end());
        for (size_t j = 1; j < claimed.size(); ++j) {
          if (claimed[j].first != claimed[j - 1].first) continue;
          Fresh& f = usable[claimed[j].second];
          f.uid = 0;
          f.stale_record = true;
          need_uid.push_back(claimed[j].second);
        }
      }
      if (!need_uid.empty() && !lock.has_value()) {
        // Take the lock and list again, so we see every UID given meanwhile (top of file).
        Result<UidListLock> l = list.lock(m.options_.lock_wait);
        if (!l.ok()) return l.status();
        lock.emplace(std::move(*l));
        // Apply what this pass found about known files below; the locked pass (which lists
        // everything again) handles the new files.
        relist_locked = true;
        usable.clear();
        need_uid.clear();
      }
    }

    // Apply: renamed (flag changes), gone (expunged), new.
    for (auto& [i, e] : renamed) {
      MessageRecord& r = m.records_[i];
      const std::uint8_t old_flags = r.flags;
      const std::uint32_t old_kw = r.keywords;
      set_name(m, r, scan.name(e));
      r.dir = e.dir;
      m.index_dirty_ = true;
      if (r.flags != old_flags || r.keywords != old_kw) flag_changes.push_back(r.uid);
    }
    std::vector<char> gone(m.records_.size(), 0);
    bool any_gone = false;
    for (size_t i = 0; i < m.records_.size(); ++i) {
      if (seen[i]) continue;
      // Only believe a disappearance the file system confirms (a racy listing may miss it).
      if (racy && exists_at(subdir_path(m, m.records_[i].dir), name_of(m, m.records_[i]))) continue;
      gone[i] = 1;
      any_gone = true;
    }
    std::sort(flag_changes.begin(), flag_changes.end());
    merge_uids(out.flags_changed, flag_changes);
    if (any_gone) remove_records(m, gone, out.expunged);
    if (relist_locked) {
      attempt = -1;  // the locked pass gets its own attempts; the lock is taken only once
      continue;
    }

    if (!usable.empty()) {
      UidList& list = *m.uidlist_;
      if (!need_uid.empty()) {
        // Under the lock (taken above): drop stale records, then assign.
        // New UIDs in delivery order, as Dovecot gives them: by the time at the start of the
        // unique name, then by name.
        std::sort(need_uid.begin(), need_uid.end(), [&](size_t a, size_t b) {
          return delivery_order_less(scan.name(usable[a].entry), scan.name(usable[b].entry));
        });
        std::vector<std::string> stale, names;
        for (size_t k : need_uid) {
          if (usable[k].stale_record) stale.emplace_back(scan.name(usable[k].entry));
          names.emplace_back(scan.name(usable[k].entry));
        }
        if (!list.exists()) {
          Status s = list.recreate(*lock, previous_uv);
          if (!s.ok()) return s;
        }
        if (!stale.empty()) {
          Status s = list.drop_names(*lock, stale);
          if (!s.ok()) return s;
        }
        Result<std::vector<std::uint32_t>> uids = list.assign_uids(*lock, names);
        if (!uids.ok()) return uids.status();
        for (size_t j = 0; j < need_uid.size(); ++j) usable[need_uid[j]].uid = (*uids)[j];
      }
      if (list.exists()) {
        m.uid_validity_ = list.uid_validity();
        m.uid_next_ = list.next_uid();
        m.guid_ = list.guid();
      }
      std::vector<MessageRecord> added;
      added.reserve(usable.size());
      for (Fresh& f : usable) {
        if (f.uid == 0) continue;
        MessageRecord r;
        set_name(m, r, scan.name(f.entry));  // also takes ,S= / ,W= from the name
        r.dir = f.entry.dir;
        r.uid = f.uid;
        added.push_back(r);
      }
      std::sort(added.begin(), added.end(),
                [](const MessageRecord& a, const MessageRecord& b) { return a.uid < b.uid; });
      std::vector<std::uint32_t> added_uids;
      added_uids.reserve(added.size());
      for (const MessageRecord& r : added) added_uids.push_back(r.uid);
      const bool append_only =
          m.records_.empty() || added.empty() || added.front().uid > m.records_.back().uid;
      m.records_.insert(m.records_.end(), added.begin(), added.end());
      if (!append_only) {
        std::sort(m.records_.begin(), m.records_.end(),
                  [](const MessageRecord& a, const MessageRecord& b) { return a.uid < b.uid; });
      }
      if (!m.records_.empty()) m.max_uid_seen_ = std::max(m.max_uid_seen_, m.records_.back().uid);
      merge_uids(out.added, added_uids);
      if (!added.empty()) m.index_dirty_ = true;
    }
    if (!m.records_.empty() && m.uid_next_ <= m.records_.back().uid) {
      m.uid_next_ = m.records_.back().uid + 1;
    }

    // Remember what the listing was based on.
    if (scan_new) m.known_new_ = IndexStamp{*s_new, s_new->stable_at(now) && !racy};
    if (scan_cur) m.known_cur_ = IndexStamp{*s_cur, s_cur->stable_at(now) && !racy};
    if (ul_changed) m.known_uidlist_ = IndexStamp{*s_ul, s_ul->stable_at(now)};
    if (lock) m.known_uidlist_.stable = false;  // we may have written it
    if (scan_new || scan_cur || ul_changed) m.stamps_dirty_ = true;
    m.force_rescan_ = false;

    // new/ -> cur/ (IMAP SELECT read-write).
    if (options.move_new_to_cur) {
      for (size_t i = 0; i < m.records_.size(); ++i) {
        MessageRecord& r = m.records_[i];
        if (r.dir != MessageDir::kNew) continue;
        std::string_view old_name = name_of(m, r);
        std::string new_name = with_flags(old_name, MessageFlags{r.flags, r.keywords});
        std::string from = new_dir + "/" + std::string(old_name);
        std::string to = cur_dir + "/" + new_name;
        Status s = Env::posix().rename(from, to, RenameMode::kNoReplace);
        if (!s.ok()) {
          // kNotFound: someone else moved it; kExists: a duplicate. The next sync sorts it out.
          m.force_rescan_ = true;
          continue;
        }
        set_name(m, r, new_name);
        r.dir = MessageDir::kCur;
        moved_any = true;
        m.index_dirty_ = true;
      }
      if (moved_any) {
        m.known_new_.stable = false;
        m.known_cur_.stable = false;
      }
    }
    break;
  }
  if (m.uid_validity_ == 0) {
    // An empty folder without dovecot-uidlist still needs a UIDVALIDITY (IMAP SELECT): create
    // the list now, as Dovecot does.
    Result<UidList*> ul = uidlist(m, true);
    if (!ul.ok()) return ul.status();
    UidList& list = **ul;
    if (!list.exists()) {
      if (!lock) {
        Result<UidListLock> l = list.lock(m.options_.lock_wait);
        if (!l.ok()) return l.status();
        lock.emplace(std::move(*l));
      }
      if (!list.exists()) {
        Status s = list.recreate(*lock, previous_uv);
        if (!s.ok()) return s;
      }
      m.known_uidlist_.stable = false;
    }
    m.uid_validity_ = list.uid_validity();
    m.uid_next_ = std::max(m.uid_next_, list.next_uid());
    m.guid_ = list.guid();
    m.index_dirty_ = true;
  }
  if (lock) (void)lock->release();
  m.last_from_cache_ = !scanned_any;
  maybe_compact(m);
  if (m.options_.use_index) {
    const bool stable = m.known_new_.stable && m.known_cur_.stable;
    if (m.index_dirty_ || (m.stamps_dirty_ && stable)) (void)write_cache(m);
  }
  return Status::Ok();
}

}  // namespace maildir
