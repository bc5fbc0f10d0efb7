// STORE and UID STORE: +FLAGS, -FLAGS, FLAGS, with .SILENT.
#include <cctype>
#include <memory>

#include "imap/command_table.h"
#include "imap/condstore.h"
#include "imap/response_code.h"
#include "imap/search_result.h"
#include "imap/selected_box.h"
#include "imap/session.h"

namespace imap {

namespace {

bool parse_flag(const std::string& f, maildir::FlagStore& st) {
  std::string u;
  for (char c : f) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u == "\\SEEN") {
    st.system |= maildir::kFlagSeen;
  } else if (u == "\\ANSWERED") {
    st.system |= maildir::kFlagReplied;
  } else if (u == "\\FLAGGED") {
    st.system |= maildir::kFlagFlagged;
  } else if (u == "\\DELETED") {
    st.system |= maildir::kFlagTrashed;
  } else if (u == "\\DRAFT") {
    st.system |= maildir::kFlagDraft;
  } else if (u == "\\RECENT" || f.empty() || f[0] == '\\') {
    return false;
  } else {
    for (char c : f) {
      if (!is_atom_char(c)) return false;
    }
    st.keywords.push_back(f);
  }
  return true;
}

}  // namespace

// Parses a flag list argument (a list, or a single flag atom) into `st`.
bool parse_flag_list(const Arg& a, maildir::FlagStore& st) {
  if (a.kind == Arg::Kind::kAtom) return parse_flag(a.text, st);
  if (a.kind != Arg::Kind::kList) return false;
  for (const Arg& f : a.children) {
    if (f.kind != Arg::Kind::kAtom || !parse_flag(f.text, st)) return false;
  }
  return true;
}

// Parses STORE's "<op>[.SILENT] <flag list>..." from c.args[at...] into `flags` and `silent`.
// Returns the BAD text, or nullptr when the arguments are good.
const char* parse_store_flags(const Command& c, size_t at, maildir::FlagStore& flags,
                              bool& silent) {
  std::string op;
  if (c.args[at].kind == Arg::Kind::kAtom) {
    for (char ch : c.args[at].text)
      op += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  silent = op.size() > 7 && op.substr(op.size() - 7) == ".SILENT";
  if (silent) op.resize(op.size() - 7);
  if (op == "FLAGS") {
    flags.mode = maildir::StoreMode::kReplace;
  } else if (op == "+FLAGS") {
    flags.mode = maildir::StoreMode::kAdd;
  } else if (op == "-FLAGS") {
    flags.mode = maildir::StoreMode::kRemove;
  } else {
    return "Invalid STORE operation.";
  }
  for (size_t i = at + 1; i < c.args.size(); ++i) {
    if (!parse_flag_list(c.args[i], flags)) return "Invalid flag.";
  }
  return nullptr;
}

void cmd_store(Session& s, Command& c) {
  // CONDSTORE (RFC 7162): an (UNCHANGEDSINCE n) modifier, or MODSEQ in every answer.
  if (c.args[1].kind == Arg::Kind::kList || s.modseq_mode().condstore) {
    cmd_store_condstore(s, c);
    return;
  }
  bool uid = c.name == "UID STORE";
  std::optional<SequenceSet> set;
  if (!(set = sequence_set_arg(*s.selected(), c.args[0], uid))) {
    s.bad(c.tag, "Invalid sequence set.");
    return;
  }
  maildir::FlagStore flags;
  bool silent = false;
  if (const char* bad = parse_store_flags(c, 1, flags, silent)) {
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
    s.tagged(c.tag, read_only_refusal(*s.selected()));
    return;
  }
  run_selected(s, c.tag, "Store completed.", false,
               [set = *set, uid, flags, silent](SelectedBox& b, SelectedReply& reply) {
                 std::vector<size_t> idx;
                 if (!resolve_set(b, set, uid, idx)) return maildir::Status();
                 std::vector<std::uint32_t> uids;
                 for (size_t i : idx) uids.push_back(b.mailbox.record(i).uid);
                 auto r = b.mailbox.store(uids, flags);
                 if (!r.ok()) return r.status();
                 if (silent) return maildir::Status();
                 for (const maildir::StoredFlags& f : *r) {
                   auto i = b.mailbox.find_uid(f.uid);
                   std::uint32_t seq = seq_of(b, f.uid);
                   if (!i || seq == 0) continue;
                   reply.untagged +=
                       "* " + std::to_string(seq) + " FETCH (FLAGS " + flags_list(b, *i) +
                       (uid ? " UID " + std::to_string(f.uid) : std::string()) + ")\r\n";
                 }
                 return maildir::Status();
               });
}

}  // namespace imap
