// Reading passwords for `tegami pw` and `tegami account add|passwd`: one line from standard
// input when it is not a terminal, else a prompt on stderr with echo off.
#pragma once

#include <optional>
#include <string>

#include "auth/password.h"
#include "maildir/status.h"

namespace tegami_cli {

// The password the user types once (`pw --test`): nullopt at end of input.
std::optional<std::string> read_password();

// A new password and its hash with `scheme`: typed twice on a terminal (must match), one line
// otherwise. Errors (mismatch, empty, hashing failed) come back as a Status whose message can
// be printed after the command's name. The plaintext is wiped before returning.
maildir::Result<std::string> read_new_password_hash(tegami_auth::HashScheme scheme);

// Overwrites and clears a string that held a password.
void wipe(std::string& s);

}  // namespace tegami_cli
