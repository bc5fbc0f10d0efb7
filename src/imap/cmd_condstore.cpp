// STORE and UID STORE once CONDSTORE is in use (RFC 7162 3.1.3): the optional
// (UNCHANGEDSINCE n) modifier, MODSEQ in the FETCH responses (also for .SILENT, which then
// sends "* n FETCH (MODSEQ (m))" only), and [MODIFIED set] for messages changed since n.
#include <algorithm>
#include <cctype>
#include <memory>

#include "imap/command_table.h"
#include "imap/condstore.h"
#include "imap/esearch.h"
#include "imap/selected_box.h"
#include "imap/session.h"

namespace imap {

const char* parse_store_flags(const Command& c, size_t at, maildir::FlagStore& flags,
                              bool& silent);  // cmd_store.cpp

namespace {

std::string upper(std::string_view s) {
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

}  // namespace

void cmd_store_condstore(Session& s, Command& c) {
  const bool uid = c.name == "UID STORE";
  std::optional<SequenceSet> set;
  if (c.args[0].kind != Arg::Kind::kAtom || !(set = parse_sequence_set(c.args[0].text))) {
    s.bad(c.tag, "Invalid sequence set.");
    return;
  }
  size_t next = 1;
  std::optional<std::uint64_t> unchanged_since;
  if (c.args[1].kind == Arg::Kind::kList) {
    const auto& m = c.args[1].children;
    if (m.size() != 2 || m[0].kind != Arg::Kind::kAtom || upper(m[0].text) != "UNCHANGEDSINCE" ||
        m[1].kind != Arg::Kind::kAtom || m[1].text.empty() || m[1].text.size() > 19 ||
        m[1].text.find_first_not_of("0123456789") != std::string::npos) {
      s.bad(c.tag, "Invalid STORE modifier.");
      return;
    }
    unchanged_since = std::stoull(m[1].text);
    if (*unchanged_since >= (1ull << 63)) {
      s.bad(c.tag, "Invalid STORE modifier.");
      return;
    }
    next = 2;
  }
  if (c.args.size() < next + 2) {
    s.bad(c.tag, "Invalid STORE arguments.");
    return;
  }
  maildir::FlagStore flags;
  bool silent = false;
  if (const char* bad = parse_store_flags(c, next, flags, silent)) {
    s.bad(c.tag, bad);
    return;
  }
  std::shared_ptr<SelectedBox> box = s.selected();
  std::vector<size_t> idx;
  if (!resolve_set(*box, *set, uid, idx)) {
    s.bad(c.tag, "Error in STORE: invalid sequence number.");
    return;
  }
  if (box->read_only) {
    s.tagged(c.tag, read_only_refusal(*box));
    return;
  }
  enable_condstore(s);
  run_selected(
      s, c.tag, unchanged_since ? "Conditional STORE completed." : "Store completed.", false,
      [set = *set, uid, flags, silent, unchanged_since](SelectedBox& b, SelectedReply& reply) {
        maildir::Status st = ensure_modseq(b);
        if (!st.ok()) return st;
        std::vector<size_t> idx;
        if (!resolve_set(b, set, uid, idx)) return maildir::Status();
        std::vector<std::uint32_t> uids, modified;
        for (size_t i : idx) {
          std::uint32_t u = b.mailbox.record(i).uid;
          if (unchanged_since && b.modseq->modseq(u) > *unchanged_since) {
            modified.push_back(uid ? u : seq_of(b, u));
          } else {
            uids.push_back(u);
          }
        }
        std::vector<maildir::StoredFlags> stored;
        if (!uids.empty()) {
          auto r = b.mailbox.store(uids, flags);
          if (!r.ok()) return r.status();
          stored = std::move(*r);
        }
        note_changed(b, uids);
        for (const maildir::StoredFlags& f : stored) {
          auto i = b.mailbox.find_uid(f.uid);
          std::uint32_t seq = seq_of(b, f.uid);
          if (!i || seq == 0) continue;
          std::string items;
          if (!silent) items += "FLAGS " + flags_list(b, *i) + " ";
          if (uid) items += "UID " + std::to_string(f.uid) + " ";
          items += "MODSEQ (" + std::to_string(b.modseq->modseq(f.uid)) + ")";
          reply.untagged += "* " + std::to_string(seq) + " FETCH (" + items + ")\r\n";
        }
        if (!modified.empty()) {
          std::sort(modified.begin(), modified.end());
          reply.ok_code = "MODIFIED " + compact_set(modified);
        }
        return maildir::Status();
      });
}

}  // namespace imap
