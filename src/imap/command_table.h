// The IMAP command table: each command's name, handler, the states it is allowed in and its
// argument count. Session::dispatch checks state and argument count here, in one place,
// before any handler runs; handlers check their arguments' types and meaning.
#pragma once

#include <cstddef>
#include <string_view>

#include "imap/parser.h"

namespace imap {

class Session;

enum StateMask : unsigned {
  kNotAuth = 1u << 0,
  kAuth = 1u << 1,
  kSelectedState = 1u << 2,
  kAnyState = kNotAuth | kAuth | kSelectedState,
  kAuthOrSelected = kAuth | kSelectedState,
};

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

}  // namespace imap
