#include "imap/selected_box.h"

#include <algorithm>

#include "imap/condstore.h"
#include "imap/structure_cache.h"
#include "maildir/recent.h"

namespace imap {

namespace {

// Appends "(\Seen ...)" for message `i`, with \Recent last when `recent`.
void append_flags_impl(std::string& s, const maildir::Mailbox& mailbox, std::size_t i,
                       bool recent) {
  maildir::MessageFlags f = mailbox.flags(i);
  s += '(';
  const std::size_t open = s.size();
  auto add = [&s, open](std::string_view x) {
    if (s.size() > open) s += ' ';
    s += x;
  };
  if (f.has(maildir::kFlagSeen)) add("\\Seen");
  if (f.has(maildir::kFlagReplied)) add("\\Answered");
  if (f.has(maildir::kFlagFlagged)) add("\\Flagged");
  if (f.has(maildir::kFlagTrashed)) add("\\Deleted");
  if (f.has(maildir::kFlagDraft)) add("\\Draft");
  for (int k = 0; k < maildir::kMaxKeywordLetters; ++k) {
    if (!f.has_keyword(k)) continue;
    auto name = mailbox.keywords().name(k);
    if (name) add(*name);
  }
  if (recent) add("\\Recent");
  s += ')';
}

}  // namespace

std::string flags_list(const maildir::Mailbox& mailbox, std::size_t i) {
  std::string s;
  append_flags_impl(s, mailbox, i, false);
  return s;
}

void append_flags(std::string& out, const SelectedBox& box, std::size_t i) {
  const bool recent =
      !box.rev2 && !box.recent.empty() &&
      std::binary_search(box.recent.begin(), box.recent.end(), box.mailbox.record(i).uid);
  append_flags_impl(out, box.mailbox, i, recent);
}

std::string flags_list(const SelectedBox& box, std::size_t i) {
  std::string s;
  append_flags(s, box, i);
  return s;
}

std::uint32_t lowest_new_uid(const maildir::Mailbox& mb) {
  for (std::size_t i = 0; i < mb.count(); ++i) {
    if (mb.record(i).dir == maildir::MessageDir::kNew) return mb.record(i).uid;
  }
  return mb.count() ? mb.record(mb.count() - 1).uid + 1 : 1;
}

void take_recent(SelectedBox& box, const std::vector<std::uint32_t>& candidates,
                 std::uint32_t fallback) {
  // A read-write session claims even with nothing to claim: that starts the folder's record
  // if it has none yet (maildir/recent.h), so mail appended to cur/ later is recent for someone.
  if (candidates.empty() && box.read_only) return;
  const maildir::Mailbox& mb = box.mailbox;
  std::uint32_t next = mb.count() ? mb.record(mb.count() - 1).uid + 1 : 1;
  std::uint32_t first = next;
  if (box.read_only) {
    first = maildir::recent_boundary(mb.dir(), mb.uid_validity(), fallback);
  } else {
    auto claimed = maildir::claim_recent(mb.dir(), mb.uid_validity(), next, fallback);
    // Without the record (lock held too long, read-only file system) nobody gets them: a
    // message is never \Recent in two sessions.
    if (claimed.ok()) first = *claimed;
  }
  for (std::uint32_t uid : candidates) {
    if (uid >= first && uid < next) box.recent.push_back(uid);
  }
  std::sort(box.recent.begin(), box.recent.end());
  box.recent.erase(std::unique(box.recent.begin(), box.recent.end()), box.recent.end());
}

maildir::Result<std::string> sync_updates(SelectedBox& box, bool allow_expunge,
                                          std::vector<std::uint32_t> flags_changed_before) {
  auto changes = box.mailbox.sync();
  if (!changes.ok()) return changes.status();
  if (!flags_changed_before.empty()) {
    auto& fc = changes->flags_changed;
    fc.insert(fc.end(), flags_changed_before.begin(), flags_changed_before.end());
    std::sort(fc.begin(), fc.end());
    fc.erase(std::unique(fc.begin(), fc.end()), fc.end());
  }
  std::string out;
  const maildir::Mailbox& mb = box.mailbox;
  // The view's UIDs: the shared snapshot's vector, else built.
  std::shared_ptr<const std::vector<std::uint32_t>> shared_now = mb.shared_uids();
  std::vector<std::uint32_t> built;
  if (!shared_now) {
    built.reserve(mb.count());
    for (std::size_t i = 0; i < mb.count(); ++i) built.push_back(mb.record(i).uid);
  }
  const std::vector<std::uint32_t>& now = shared_now ? *shared_now : built;
  if (changes->empty() && box.client_uids.share_if_equal(shared_now)) {
    // Nothing changed and the client knows exactly the view: nothing to report.
    record_modseqs(box, *changes, now);
    return std::string();
  }
  record_modseqs(box, *changes, now);
  if (allow_expunge && box.qresync) {
    out += vanished_updates(box, now);
  } else if (allow_expunge) {
    // Report each vanished UID at its current sequence number, renumbering as we go.
    std::vector<std::uint32_t> kept;
    kept.reserve(box.client_uids.size());
    std::size_t removed = 0;
    for (std::size_t i = 0; i < box.client_uids.size(); ++i) {
      std::uint32_t uid = box.client_uids[i];
      if (std::binary_search(now.begin(), now.end(), uid)) {
        kept.push_back(uid);
      } else {
        out += "* " + std::to_string(i + 1 - removed) + " EXPUNGE\r\n";
        ++removed;
        auto r = std::lower_bound(box.recent.begin(), box.recent.end(), uid);
        if (r != box.recent.end() && *r == uid) box.recent.erase(r);
      }
    }
    box.client_uids = std::move(kept);
  }
  std::uint32_t last = box.client_uids.empty() ? 0 : box.client_uids.back();
  std::vector<std::uint32_t> added;
  for (std::uint32_t uid : now) {
    if (uid > last) {
      box.client_uids.push_back(uid);
      added.push_back(uid);
    }
  }
  if (!added.empty()) {
    take_recent(box, added, lowest_new_uid(mb));
    out += "* " + std::to_string(box.client_uids.size()) + " EXISTS\r\n";
    if (!box.rev2) out += "* " + std::to_string(box.recent.size()) + " RECENT\r\n";
  }
  for (std::uint32_t uid : changes->flags_changed) {
    auto it = std::lower_bound(box.client_uids.begin(), box.client_uids.end(), uid);
    auto idx = mb.find_uid(uid);
    if (it == box.client_uids.end() || *it != uid || !idx) continue;
    out += "* " + std::to_string(it - box.client_uids.begin() + 1) + " FETCH (UID " +
           std::to_string(uid) + " FLAGS " + flags_list(box, *idx) + modseq_item(box, uid) +
           ")\r\n";
  }
  box.client_uids.share_if_equal(std::move(shared_now));
  return out;
}

void release_idle_memory(SelectedBox& box) {
  box.mailbox.release_memory();
  box.structures.reset();
  box.sort_keys.reset();  // megabytes on a big folder; tegami-cache.sort gives them back fast
  box.client_uids.shrink_to_fit();
  box.recent.shrink_to_fit();
}

bool holds_shared_view(const SelectedBox& box) {
  return box.mailbox.view_is_shared() && box.client_uids.is_shared();
}

std::uint32_t seq_of(const SelectedBox& box, std::uint32_t uid) {
  auto it = std::lower_bound(box.client_uids.begin(), box.client_uids.end(), uid);
  if (it == box.client_uids.end() || *it != uid) return 0;
  return static_cast<std::uint32_t>(it - box.client_uids.begin() + 1);
}

bool resolve_set(const SelectedBox& box, const SequenceSet& set, bool uid,
                 std::vector<std::size_t>& out) {
  out.clear();
  const maildir::Mailbox& mb = box.mailbox;
  if (uid) {
    std::uint32_t largest = mb.count() ? mb.record(mb.count() - 1).uid : 0;
    for (std::size_t i = 0; i < mb.count(); ++i) {
      if (set.contains(mb.record(i).uid, largest)) out.push_back(i);
    }
    // RFC 3501: "*" in a UID set always means the largest UID, even if below the range.
    return true;
  }
  std::uint32_t n = static_cast<std::uint32_t>(box.client_uids.size());
  for (const SeqRange& r : set.ranges) {
    if ((r.lo != kStar && r.lo > n) || (r.hi != kStar && r.hi > n)) return false;
    if (n == 0) return false;
  }
  // Both lists ascend: one moving position in the view instead of a search per number.
  const std::vector<std::uint32_t>& known = box.client_uids.get();
  std::size_t pos = 0;
  for (std::uint32_t seq = 1; seq <= n; ++seq) {
    if (!set.contains(seq, n)) continue;
    const std::uint32_t uid = known[seq - 1];
    while (pos < mb.count() && mb.record(pos).uid < uid) ++pos;
    if (pos < mb.count() && mb.record(pos).uid == uid) out.push_back(pos);
  }
  return true;
}

std::string read_only_refusal(const SelectedBox& box) {
  return box.shared ? "NO [NOPERM] Shared list archives are read-only."
                    : "NO [READ-ONLY] Mailbox is read-only.";
}

}  // namespace imap
