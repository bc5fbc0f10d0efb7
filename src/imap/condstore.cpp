#include "imap/condstore.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "imap/esearch.h"
#include "imap/selected_box.h"
#include "imap/session.h"

namespace imap {

namespace {

std::string upper(std::string_view s) {
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

// mod-sequence-value (RFC 7162): 1..2^63-1; `allow_zero` for mod-sequence-valzer.
std::optional<std::uint64_t> parse_modseq(const Arg& a, bool allow_zero) {
  if (a.kind != Arg::Kind::kAtom || a.text.empty() || a.text.size() > 19) return std::nullopt;
  for (char c : a.text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(a.text.data(), a.text.data() + a.text.size(), v);
  if (ec != std::errc() || v >= (1ull << 63) || (v == 0 && !allow_zero)) return std::nullopt;
  return v;
}

}  // namespace

bool enable_modseq_extension(Session& s, std::string_view name) {
  std::string u = upper(name);
  Session::ModseqMode& m = s.modseq_mode();
  bool newly = false;
  if (u == "CONDSTORE") {
    newly = !m.condstore;
    m.condstore = true;
  } else if (u == "QRESYNC") {
    newly = !m.qresync;
    m.qresync = m.condstore = true;
  } else {
    return false;
  }
  if (auto box = s.selected()) {
    box->condstore = m.condstore;
    box->qresync = m.qresync;
  }
  return newly;
}

void enable_condstore(Session& s) {
  s.modseq_mode().condstore = true;
  if (auto box = s.selected()) box->condstore = true;
}

bool parse_select_params(const Arg& list, bool qresync_enabled, SelectModseqParams& out,
                         std::string& error) {
  out = SelectModseqParams{};
  error = "Invalid SELECT parameters.";
  if (list.kind != Arg::Kind::kList) return false;
  const auto& ch = list.children;
  for (size_t i = 0; i < ch.size(); ++i) {
    if (ch[i].kind != Arg::Kind::kAtom) return false;
    std::string name = upper(ch[i].text);
    if (name == "CONDSTORE") {
      out.condstore = true;
      continue;
    }
    if (name != "QRESYNC") {
      error = "Unknown SELECT parameter " + ch[i].text + ".";
      return false;
    }
    if (!qresync_enabled) {
      error = "QRESYNC is not enabled (ENABLE QRESYNC first).";
      return false;
    }
    if (i + 1 >= ch.size() || ch[i + 1].kind != Arg::Kind::kList) return false;
    const auto& q = ch[++i].children;
    if (q.size() < 2 || q.size() > 4) return false;
    std::optional<std::uint64_t> uv = parse_modseq(q[0], false);
    std::optional<std::uint64_t> ms = parse_modseq(q[1], false);
    if (!uv || *uv > 0xffffffffu || !ms) return false;
    out.qresync = true;
    out.uid_validity = static_cast<std::uint32_t>(*uv);
    out.modseq = *ms;
    size_t k = 2;
    if (k < q.size() && q[k].kind == Arg::Kind::kAtom) {
      out.known_uids = parse_sequence_set(q[k].text);
      if (!out.known_uids) return false;
      ++k;
    }
    if (k < q.size()) {
      // (known-sequence-set known-uid-set): checked, then not needed — the vanished set
      // comes exactly from the log (see select_modseq).
      const Arg& m = q[k];
      if (m.kind != Arg::Kind::kList || m.children.size() != 2) return false;
      for (const Arg& a : m.children) {
        if (a.kind != Arg::Kind::kAtom || !parse_sequence_set(a.text)) return false;
      }
      ++k;
    }
    if (k != q.size()) return false;
  }
  return true;
}

bool parse_fetch_modifiers(const Arg& list, bool uid, bool qresync_enabled, FetchModifiers& out,
                           std::string& error) {
  out = FetchModifiers{};
  error = "Invalid FETCH modifiers.";
  if (list.kind != Arg::Kind::kList || list.children.empty()) return false;
  const auto& ch = list.children;
  for (size_t i = 0; i < ch.size(); ++i) {
    if (ch[i].kind != Arg::Kind::kAtom) return false;
    std::string name = upper(ch[i].text);
    if (name == "CHANGEDSINCE" && i + 1 < ch.size()) {
      out.changed_since = parse_modseq(ch[++i], false);
      if (!out.changed_since) return false;
    } else if (name == "VANISHED") {
      out.vanished = true;
    } else {
      error = "Unknown FETCH modifier " + ch[i].text + ".";
      return false;
    }
  }
  if (out.vanished) {
    // RFC 7162 3.2.6: UID FETCH only, with CHANGEDSINCE, once QRESYNC is enabled.
    if (!qresync_enabled) {
      error = "VANISHED needs ENABLE QRESYNC.";
      return false;
    }
    if (!uid || !out.changed_since) {
      error = "VANISHED needs UID FETCH with CHANGEDSINCE.";
      return false;
    }
  }
  return true;
}

maildir::Status ensure_modseq(SelectedBox& box) {
  if (box.modseq) return {};
  maildir::Result<maildir::ModseqLog> log = maildir::ModseqLog::open(box.mailbox);
  if (!log.ok()) return log.status();
  box.modseq = std::make_shared<maildir::ModseqLog>(std::move(*log));
  return {};
}

std::uint64_t modseq_of(const SelectedBox& box, std::uint32_t uid) {
  return box.modseq ? box.modseq->modseq(uid) : 0;
}

std::string modseq_item(const SelectedBox& box, std::uint32_t uid) {
  if (!box.condstore || !box.modseq) return {};
  return " MODSEQ (" + std::to_string(box.modseq->modseq(uid)) + ")";
}

void record_modseqs(SelectedBox& box, const maildir::SyncChanges& changes,
                    const std::vector<std::uint32_t>& now) {
  if (!box.modseq) {
    // Enabled since the last sync: opening compares every message, nothing is missed.
    if (box.condstore) (void)ensure_modseq(box);
    return;
  }
  std::vector<std::uint32_t> changed = changes.flags_changed;
  changed.insert(changed.end(), changes.added.begin(), changes.added.end());
  std::vector<std::uint32_t> gone = changes.expunged;
  // Messages this session's own operations removed (EXPUNGE, MOVE) are not in a sync's report.
  if (&box.client_uids.get() != &now) {
    for (std::uint32_t u : box.client_uids) {
      if (!std::binary_search(now.begin(), now.end(), u)) gone.push_back(u);
    }
  }
  (void)box.modseq->update(box.mailbox, changed, gone);
}

void note_changed(SelectedBox& box, const std::vector<std::uint32_t>& uids) {
  if (box.modseq && !uids.empty()) (void)box.modseq->update(box.mailbox, uids, {});
}

void note_expunged(SelectedBox& box, const std::vector<std::uint32_t>& uids) {
  if (box.modseq && !uids.empty()) (void)box.modseq->update(box.mailbox, {}, uids);
}

std::string vanished_updates(SelectedBox& box, const std::vector<std::uint32_t>& now) {
  std::vector<std::uint32_t> kept, gone;
  kept.reserve(box.client_uids.size());
  for (std::uint32_t uid : box.client_uids) {
    if (std::binary_search(now.begin(), now.end(), uid)) {
      kept.push_back(uid);
    } else {
      gone.push_back(uid);
      auto r = std::lower_bound(box.recent.begin(), box.recent.end(), uid);
      if (r != box.recent.end() && *r == uid) box.recent.erase(r);
    }
  }
  box.client_uids = std::move(kept);
  if (gone.empty()) return {};
  return "* VANISHED " + compact_set(gone) + "\r\n";
}

std::string vanished_earlier(const SelectedBox& box, std::uint64_t since,
                             const SequenceSet* within) {
  if (!box.modseq) return {};
  const maildir::Mailbox& mb = box.mailbox;
  std::optional<std::vector<std::uint32_t>> gone = box.modseq->expunged_since(since);
  std::vector<std::uint32_t> out;
  const std::uint32_t largest = mb.uid_next() > 0 ? mb.uid_next() - 1 : 0;
  if (gone) {
    for (std::uint32_t u : *gone) {
      if (!within || within->contains(u, largest)) out.push_back(u);
    }
  } else {
    // Older than what the log remembers: every UID below UIDNEXT that is not here may have
    // been expunged since (RFC 7162 3.2.5.1 allows reporting UIDs the client never had).
    // Bounded by the ranges of `within` when given.
    std::size_t i = 0;
    auto missing = [&](std::uint32_t u) {
      while (i < mb.count() && mb.record(i).uid < u) ++i;
      return !(i < mb.count() && mb.record(i).uid == u);
    };
    if (within) {
      std::vector<std::uint32_t> cand;
      for (const SeqRange& r : within->ranges) {
        std::uint32_t lo = r.lo == kStar ? largest : r.lo, hi = r.hi == kStar ? largest : r.hi;
        if (lo > hi) std::swap(lo, hi);
        hi = std::min(hi, largest);
        for (std::uint32_t u = lo; u <= hi && u != 0 && cand.size() < 2000000; ++u) {
          cand.push_back(u);
        }
      }
      std::sort(cand.begin(), cand.end());
      cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
      for (std::uint32_t u : cand) {
        if (missing(u)) out.push_back(u);
      }
    } else {
      std::uint32_t next = 1;
      std::string set;
      for (std::size_t k = 0; k <= mb.count(); ++k) {
        std::uint32_t stop = k < mb.count() ? mb.record(k).uid : largest + 1;
        if (stop > next) {
          if (!set.empty()) set += ',';
          set += stop - 1 > next ? std::to_string(next) + ":" + std::to_string(stop - 1)
                                 : std::to_string(next);
        }
        next = stop + 1;
      }
      return set.empty() ? std::string() : "* VANISHED (EARLIER) " + set + "\r\n";
    }
  }
  if (out.empty()) return {};
  return "* VANISHED (EARLIER) " + compact_set(out) + "\r\n";
}

maildir::Status select_modseq(SelectedBox& box, const SelectModseqParams& p,
                              std::string& highest_line, std::string& resync) {
  if (!box.condstore) return {};
  maildir::Status s = ensure_modseq(box);
  if (!s.ok()) return s;
  highest_line = "* OK [HIGHESTMODSEQ " + std::to_string(box.modseq->highest()) + "] Highest\r\n";
  if (!p.qresync || p.uid_validity != box.mailbox.uid_validity()) return {};
  resync += vanished_earlier(box, p.modseq, p.known_uids ? &*p.known_uids : nullptr);
  const maildir::Mailbox& mb = box.mailbox;
  auto line = [&](std::uint32_t uid, std::size_t i) {
    std::uint32_t seq = seq_of(box, uid);
    if (seq == 0) return;
    resync += "* " + std::to_string(seq) + " FETCH (UID " + std::to_string(uid) + " FLAGS " +
              flags_list(box, i) + " MODSEQ (" + std::to_string(box.modseq->modseq(uid)) + "))\r\n";
  };
  if (auto changed = box.modseq->changed_since(p.modseq)) {
    // The usual case: a few changes since the client's modseq, found without a pass over
    // every message.
    for (std::uint32_t uid : *changed) {
      if (auto i = mb.find_uid(uid)) line(uid, *i);
    }
    return {};
  }
  for (std::size_t i = 0; i < mb.count(); ++i) line(mb.record(i).uid, i);
  return {};
}

}  // namespace imap
