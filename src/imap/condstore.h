// CONDSTORE and QRESYNC (RFC 7162): what the commands share.
//
// Modseqs come from the folder's tegami-modseq log (maildir/modseq.h), opened for a selected
// mailbox the first time the session needs one (SelectedBox::modseq) and kept in step by
// sync_updates() (record_modseqs). A session that never uses CONDSTORE never opens the log;
// changes made meanwhile are found by comparison when a session opens it, so every change
// still gets a modseq above what any client saw.
//
// Session state: Session::ModseqMode (enabled by ENABLE, or CONDSTORE by an enabling command:
// SELECT/EXAMINE (CONDSTORE), FETCH MODSEQ / CHANGEDSINCE, SEARCH MODSEQ, STORE UNCHANGEDSINCE,
// STATUS HIGHESTMODSEQ); the selected box carries a copy (condstore/qresync) for the worker.
//
// Threading: parse_* are pure; functions taking a SelectedBox are blocking (worker thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/parser.h"
#include "imap/sequence_set.h"
#include "maildir/mailbox.h"

namespace imap {

class Session;
struct SelectedBox;

// ENABLE <name>: true when `name` is CONDSTORE or QRESYNC and was not enabled yet.
bool enable_modseq_extension(Session& s, std::string_view name);
// A CONDSTORE enabling command ran: enables it for the session and the selected box.
void enable_condstore(Session& s);

// --- SELECT / EXAMINE parameters: (CONDSTORE) or (QRESYNC (uidvalidity modseq [known-uids
// [(known-sequence-set known-uid-set)]])).
struct SelectModseqParams {
  bool condstore = false;
  bool qresync = false;
  std::uint32_t uid_validity = 0;
  std::uint64_t modseq = 0;
  std::optional<SequenceSet> known_uids;
};
// False with `error` set on a syntax error or QRESYNC without ENABLE QRESYNC.
bool parse_select_params(const Arg& list, bool qresync_enabled, SelectModseqParams& out,
                         std::string& error);
// After SELECT built `box`: opens the modseq log when the session uses CONDSTORE and returns
// "* OK [HIGHESTMODSEQ n]" in `highest_line`; for QRESYNC with a matching UIDVALIDITY also
// "* VANISHED (EARLIER) ..." and one "* n FETCH (UID FLAGS MODSEQ)" per changed message in
// `resync`. Errors of the log are returned (the SELECT then fails).
maildir::Status select_modseq(SelectedBox& box, const SelectModseqParams& p,
                              std::string& highest_line, std::string& resync);

// --- FETCH modifiers: (CHANGEDSINCE n [VANISHED]).
struct FetchModifiers {
  std::optional<std::uint64_t> changed_since;
  bool vanished = false;
};
bool parse_fetch_modifiers(const Arg& list, bool uid, bool qresync_enabled, FetchModifiers& out,
                           std::string& error);

// --- Blocking helpers for the selected mailbox.
// Opens box.modseq if not open yet.
maildir::Status ensure_modseq(SelectedBox& box);
// The modseq of `uid` (REQUIRES: box.modseq open).
std::uint64_t modseq_of(const SelectedBox& box, std::uint32_t uid);
// " MODSEQ (n)" when the session has CONDSTORE on and the log is open, else "".
std::string modseq_item(const SelectedBox& box, std::uint32_t uid);
// After a sync (sync_updates): records what changed; `now` = the view's UIDs ascending.
// Opens the log first if the session enabled CONDSTORE since.
void record_modseqs(SelectedBox& box, const maildir::SyncChanges& changes,
                    const std::vector<std::uint32_t>& now);
// After this session changed flags (STORE, FETCH setting \Seen) or expunged.
void note_changed(SelectedBox& box, const std::vector<std::uint32_t>& uids);
void note_expunged(SelectedBox& box, const std::vector<std::uint32_t>& uids);
// QRESYNC: "* VANISHED <uids>" for the client's UIDs no longer in `now`, bringing
// client_uids and recent in step (instead of "* n EXPUNGE").
std::string vanished_updates(SelectedBox& box, const std::vector<std::uint32_t>& now);
// "* VANISHED (EARLIER) <uids>\r\n" for UIDs (in `within` when given) expunged after
// `since`; "" when none.
std::string vanished_earlier(const SelectedBox& box, std::uint64_t since,
                             const SequenceSet* within);

// STORE / UID STORE with CONDSTORE on or an (UNCHANGEDSINCE n) modifier (cmd_condstore.cpp).
void cmd_store_condstore(Session& s, Command& c);

}  // namespace imap
