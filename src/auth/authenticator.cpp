#include "auth/authenticator.h"

#include "auth/password.h"
#include "auth/username.h"

namespace tegami_auth {

namespace {

// A hash of a random password in the default scheme, made once per process.
const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto r = hash_password("tegami-dummy-password-never-matches", HashScheme::kArgon2id);
    // On failure (out of memory) fall back to a crypt value that still costs real work.
    return r.ok() ? r.value() : std::string("{SHA512-CRYPT}$6$rounds=100000$dummydummydummy$");
  }();
  return hash;
}

AuthResult failed_after_dummy(std::string_view password, std::string reason) {
  (void)verify_password(password, dummy_hash());
  return {AuthOutcome::kFailed, std::move(reason)};
}

}  // namespace

std::string_view auth_outcome_name(AuthOutcome outcome) {
  switch (outcome) {
    case AuthOutcome::kOk:
      return "ok";
    case AuthOutcome::kFailed:
      return "failed";
    case AuthOutcome::kDisabled:
      return "disabled";
    case AuthOutcome::kTemporary:
      return "temporary";
  }
  return "failed";
}

void prepare_dummy_hash() {
  (void)dummy_hash();
}

AuthResult authenticate(std::string_view username, std::string_view password,
                        const AccountLookup& lookup) {
  if (!username_is_valid(username)) return failed_after_dummy(password, "invalid username");
  auto found = lookup(username);
  if (!found.ok()) {
    return {AuthOutcome::kTemporary, "account lookup failed: " + found.status().to_string()};
  }
  if (!found.value().has_value()) return failed_after_dummy(password, "unknown user");
  const AccountCredentials& account = *found.value();
  switch (verify_password(password, account.password_hash)) {
    case Verify::kMatch:
      if (!account.enabled) return {AuthOutcome::kDisabled, "account disabled"};
      return {AuthOutcome::kOk, ""};
    case Verify::kMismatch:
      return {AuthOutcome::kFailed, "password mismatch"};
    case Verify::kUnsupported:
      return failed_after_dummy(password, "unsupported password scheme " +
                                              inspect_stored_hash(account.password_hash).scheme);
  }
  return {AuthOutcome::kFailed, "password mismatch"};
}

}  // namespace tegami_auth
