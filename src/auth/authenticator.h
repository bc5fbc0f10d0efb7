// The lookup-and-verify step of a login, shared by every protocol. The daemon runs
// authenticate() on a worker thread (password hashing is slow on purpose), then applies the
// outcome on the session's loop: kFailed → FailureDelay, then the protocol's failure reply.
//
// The caller supplies the account lookup (from the current config snapshot) and does the
// per-protocol "is this protocol allowed for the account's plan" check itself after kOk.
//
// Indistinguishability: an unknown user, an invalid username, a wrong password and a stored
// hash tegami cannot read all give kFailed; for the unknown user (and the other non-password
// cases) a dummy ARGON2ID hash is verified so the time taken is the same as for a real account
// with the default scheme. A disabled account gives kDisabled only when the password is right
// (a wrong password on a disabled account is kFailed), so kDisabled reveals nothing to a guesser.
//
// Thread safety: authenticate() may run concurrently on any threads; `lookup` must be safe to
// call from the calling thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "maildir/status.h"

namespace tegami_auth {

struct AccountCredentials {
  std::string password_hash;  // `{SCHEME}...`, see password.h
  bool enabled = true;
};

// nullopt: no such account. An error Status: the lookup itself failed (kTemporary).
using AccountLookup =
    std::function<maildir::Result<std::optional<AccountCredentials>>(std::string_view username)>;

enum class AuthOutcome {
  kOk,         // password right, account enabled
  kFailed,     // unknown user / wrong password / invalid username / unreadable stored hash
  kDisabled,   // password right, account disabled
  kTemporary,  // the lookup failed: answer with the protocol's temporary error, no delay needed
};

// "ok", "failed", "disabled", "temporary".
std::string_view auth_outcome_name(AuthOutcome outcome);

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kFailed;
  // For the log only, never sent to the client: "unknown user", "password mismatch",
  // "invalid username", "unsupported password scheme <S>", "account disabled", the lookup error.
  std::string reason;
};

AuthResult authenticate(std::string_view username, std::string_view password,
                        const AccountLookup& lookup);

// Computes the dummy hash now (otherwise the first unknown-user login pays for it, and its
// timing differs). Call once at start-up, off the event loop.
void prepare_dummy_hash();

}  // namespace tegami_auth
