// Mailbox views shared through ViewRegistry (view_registry.h): copy-on-write, publishing a
// synced view, and adopting the published one instead of reading tegami-index or listing
// the directories again.
//
// Why adopting is exact. A snapshot's stamps were stable when its view was built, so while
// stat() gives those stamps the files are what the snapshot says (the rule of index.h). A
// view in another state (older, or changed by this Mailbox's own operations) becomes the
// snapshot by the changes a sync would report: UIDs only in the view are expunged, UIDs only
// in the snapshot are new, equal UIDs with other flags changed flags. One case a sync would
// handle differently is refused: a UID in the snapshot that the view already held and
// reported expunged (or any UID not above the highest it ever held) — IMAP forbids showing
// it again, and the sync gives such a file a new UID. Then the ordinary sync runs.
#include <algorithm>

#include "mailbox_internal.h"

namespace maildir {

std::shared_ptr<const std::vector<std::uint32_t>> Mailbox::shared_uids() const {
  if (!shared_) return nullptr;
  return std::shared_ptr<const std::vector<std::uint32_t>>(shared_, &shared_->uids);
}

void MailboxInternals::unshare(Mailbox& m) {
  if (!m.shared_) return;
  std::shared_ptr<const ViewSnapshot> snap = std::move(m.shared_);
  m.shared_.reset();
  m.records_ = snap->records;
  m.names_ = snap->names;
  m.names_garbage_ = 0;
}

namespace {

// Same messages with the same names and flags (the lazily loaded sizes and dates may differ).
bool same_view(const std::vector<MessageRecord>& a, std::string_view a_names,
               const ViewSnapshot& b) {
  if (a.size() != b.records.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const MessageRecord& x = a[i];
    const MessageRecord& y = b.records[i];
    if (x.uid != y.uid || x.flags != y.flags || x.keywords != y.keywords || x.dir != y.dir ||
        x.name_len != y.name_len || x.base_len != y.base_len) {
      return false;
    }
    if (a_names.compare(x.name_off, x.name_len, b.names, y.name_off, y.name_len) != 0) {
      return false;
    }
  }
  return true;
}

// True when `a` knows a size, vsize or date that `b` (same messages) does not.
bool knows_more(const std::vector<MessageRecord>& a, const ViewSnapshot& b) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    const MessageRecord& x = a[i];
    const MessageRecord& y = b.records[i];
    if ((x.size != kUnknownSize && y.size == kUnknownSize) ||
        (x.vsize != kUnknownSize && y.vsize == kUnknownSize) ||
        (x.mtime != kUnknownTime && y.mtime == kUnknownTime)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void MailboxInternals::share(Mailbox& m) {
  if (m.shared_ || !sharing(m)) return;
  if (m.force_rescan_ || m.index_dirty_ || m.uid_validity_ == 0) return;
  // new/ and cur/ must be proven; dovecot-uidlist may not be yet (an adopter then reads it
  // to check UIDVALIDITY, as a sync does: mailbox_sync.cpp).
  if (!(m.known_new_.stable && m.known_cur_.stable)) return;
  ViewRegistry& reg = ViewRegistry::instance();
  std::shared_ptr<const ViewSnapshot> have = reg.find(m.dir_);
  if (have && have->uid_validity == m.uid_validity_ && have->new_dir == m.known_new_ &&
      have->cur_dir == m.known_cur_ && have->uidlist.stamp == m.known_uidlist_.stamp &&
      (have->uidlist.stable || !m.known_uidlist_.stable) &&
      same_view(m.records_, m.names_, *have) && !knows_more(m.records_, *have)) {
    // Another Mailbox published this very view: use it, drop the copy.
    m.shared_ = std::move(have);
  } else {
    auto snap = std::make_shared<ViewSnapshot>();
    snap->dir = m.dir_;
    if (m.names_garbage_ > 0) compact(m);
    snap->records = std::move(m.records_);
    snap->records.shrink_to_fit();
    snap->names = std::move(m.names_);
    snap->names.shrink_to_fit();
    snap->uids.reserve(snap->records.size());
    for (const MessageRecord& r : snap->records) {
      snap->uids.push_back(r.uid);
      if (r.dir == MessageDir::kNew) snap->has_new = true;
    }
    snap->uid_validity = m.uid_validity_;
    snap->uid_next = m.uid_next_;
    snap->guid = m.guid_;
    snap->new_dir = m.known_new_;
    snap->cur_dir = m.known_cur_;
    snap->uidlist = m.known_uidlist_;
    m.shared_ = snap;
    reg.publish(std::move(snap));
  }
  m.records_ = {};
  m.names_ = {};
  m.names_garbage_ = 0;
  m.stamps_dirty_ = false;
}

bool MailboxInternals::adopt(Mailbox& m, const DirStamp& n, const DirStamp& c, const DirStamp& u,
                             SyncChanges& out) {
  if (!sharing(m) || m.force_rescan_) return false;
  std::shared_ptr<const ViewSnapshot> snap = ViewRegistry::instance().find(m.dir_);
  if (!snap || snap == m.shared_ || !snap->matches(n, c, u)) return false;
  if (m.uid_validity_ != 0 && snap->uid_validity != m.uid_validity_) return false;
  const std::vector<MessageRecord>& a = m.recs();
  const std::vector<MessageRecord>& b = snap->records;
  std::vector<std::uint32_t> gone, added, changed;
  std::size_t i = 0, j = 0;
  if (a.empty() && m.max_uid_seen_ == 0 && m.uid_validity_ == 0) {
    // Opening: the snapshot is the initial view, not changes (Mailbox::open ignores them).
    j = b.size();
  }
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].uid < b[j].uid)) {
      gone.push_back(a[i++].uid);
    } else if (i == a.size() || b[j].uid < a[i].uid) {
      const std::uint32_t uid = b[j++].uid;
      if (uid <= m.max_uid_seen_) return false;  // see the top of this file
      added.push_back(uid);
    } else {
      if (a[i].flags != b[j].flags || a[i].keywords != b[j].keywords) changed.push_back(b[j].uid);
      ++i;
      ++j;
    }
  }
  if (!gone.empty()) merge_uids(m.expunged_uids_, gone);
  merge_uids(out.expunged, gone);
  merge_uids(out.added, added);
  merge_uids(out.flags_changed, changed);
  if (!b.empty()) m.max_uid_seen_ = std::max(m.max_uid_seen_, b.back().uid);
  m.uid_validity_ = snap->uid_validity;
  m.uid_next_ = std::max(m.uid_next_, snap->uid_next);
  if (!snap->guid.empty()) m.guid_ = snap->guid;
  m.known_new_ = snap->new_dir;
  m.known_cur_ = snap->cur_dir;
  m.known_uidlist_ = snap->uidlist;
  m.shared_ = std::move(snap);
  m.records_ = {};
  m.names_ = {};
  m.names_garbage_ = 0;
  m.index_dirty_ = false;
  m.stamps_dirty_ = false;
  return true;
}

}  // namespace maildir
