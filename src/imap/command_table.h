// The IMAP command table: each command's name, handler, the states it is allowed in and its
// argument count. Session::dispatch checks state and argument count here, in one place,
// before any handler runs; handlers check their arguments' types and meaning.
#pragma once

#include <cstddef>
#include <string_view>

#include <functional>
#include <string>

#include "imap/parser.h"
#include "maildir/status.h"

namespace imap {

class Session;

enum StateMask : unsigned {
  kNotAuth = 1u << 0,
  kAuth = 1u << 1,
  kSelectedState = 1u << 2,
  kAnyState = kNotAuth | kAuth | kSelectedState,
  kAuthOrSelected = kAuth | kSelectedState,
};

struct SelectedBox;

// What a selected-state command's work produced besides its status.
struct SelectedReply {
  std::string untagged;  // its own untagged lines (sent after the sync's updates)
  std::string ok_code;   // e.g. "COPYUID 1 2:3 7:8", put in the tagged OK
  bool target = false;   // the error concerns a target mailbox (kNotFound -> TRYCREATE)
};

// Runs `work` on the selected mailbox on a worker thread, then syncs and sends the untagged
// updates (EXPUNGE only if `allow_expunge`), the command's lines and the tagged answer.
// Defined in cmd_select.cpp.
void run_selected(Session& s, std::string tag, std::string ok_text, bool allow_expunge,
                  std::function<maildir::Status(SelectedBox&, SelectedReply&)> work);

using CommandHandler = void (*)(Session& session, Command& command);

struct CommandSpec {
  std::string_view name;  // upper case; "UID FETCH" for UID forms
  CommandHandler handler;
  unsigned states;  // StateMask bits
  size_t min_args;
  size_t max_args;  // SIZE_MAX: unbounded
};

// nullptr for an unknown command.
const CommandSpec* find_command(std::string_view name);

// --- handlers, one family per file ---------------------------------------------------------
// cmd_any.cpp
void cmd_capability(Session& s, Command& c);
void cmd_noop(Session& s, Command& c);
void cmd_logout(Session& s, Command& c);
void cmd_id(Session& s, Command& c);
void cmd_enable(Session& s, Command& c);
void cmd_namespace(Session& s, Command& c);
void cmd_idle(Session& s, Command& c);
// cmd_auth.cpp
void cmd_starttls(Session& s, Command& c);
void cmd_login(Session& s, Command& c);
void cmd_authenticate(Session& s, Command& c);

// cmd_mailbox.cpp
void cmd_list(Session& s, Command& c);  // LIST and LSUB
void cmd_create(Session& s, Command& c);
void cmd_delete(Session& s, Command& c);
void cmd_rename(Session& s, Command& c);
void cmd_subscribe(Session& s, Command& c);  // SUBSCRIBE and UNSUBSCRIBE
void cmd_status(Session& s, Command& c);

// cmd_select.cpp
void cmd_select(Session& s, Command& c);    // SELECT and EXAMINE
void cmd_unselect(Session& s, Command& c);  // UNSELECT and CLOSE
void cmd_expunge(Session& s, Command& c);   // EXPUNGE and UID EXPUNGE
void cmd_check(Session& s, Command& c);     // CHECK, and NOOP in the selected state
// cmd_fetch.cpp
void cmd_fetch(Session& s, Command& c);
// cmd_search.cpp
void cmd_search(Session& s, Command& c);  // SEARCH and UID SEARCH
// cmd_sort.cpp
void cmd_sort(Session& s, Command& c);    // SORT and UID SORT
void cmd_thread(Session& s, Command& c);  // THREAD and UID THREAD
// cmd_store.cpp
void cmd_store(Session& s, Command& c);
// cmd_copy.cpp
void cmd_copy(Session& s, Command& c);  // COPY, MOVE, UID COPY, UID MOVE
// cmd_quota.cpp
void cmd_getquota(Session& s, Command& c);
void cmd_getquotaroot(Session& s, Command& c);
void cmd_setquota(Session& s, Command& c);
// cmd_append.cpp
void cmd_append(Session& s, Command& c);
// cmd_list.cpp
void cmd_list_extended(Session& s, Command& c);       // LIST (RFC 5258, 5819, 6154)
void cmd_create_special_use(Session& s, Command& c);  // CREATE name (USE (...))
// cmd_compress.cpp
void cmd_compress(Session& s, Command& c);
// cmd_notify.cpp
void cmd_notify(Session& s, Command& c);  // NOTIFY (RFC 5465)

}  // namespace imap
