// Password hashes in Dovecot's `{SCHEME}hash` form, so that a Dovecot passwd-file migrates by copy.
//
// Verifying: `{SHA512-CRYPT}` ($6$), `{SHA256-CRYPT}` ($5$), `{MD5-CRYPT}` ($1$), `{BLF-CRYPT}`
// ($2y$/$2b$/$2a$) and `{CRYPT}` (anything libxcrypt's crypt(3) accepts, e.g. `$y$` yescrypt)
// go through crypt_rn; `{ARGON2ID}` / `{ARGON2I}` ($argon2id$v=19$m=...) through libsodium's
// crypto_pwhash_str_verify; `{PLAIN}` (migration only; `config check` should warn) compares
// digests. A stored value without a `{SCHEME}` prefix is treated as `{CRYPT}` (Dovecot's
// passwd-file default). Scheme names are case-insensitive. Comparisons are constant-time.
//
// Making: hash_password() writes ARGON2ID (default), SHA512-CRYPT or BLF-CRYPT with a fresh
// random salt; the costs are in HashOptions (defaults documented there and in docs/auth.md).
//
// Thread safety: every function may be called from any thread concurrently. Hashing and
// verifying are deliberately slow (tens to hundreds of ms) and use up to the Argon2 memory
// limit (64 MiB by default): call them on a worker thread, never on an event loop.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "maildir/status.h"

namespace tegami_auth {

// Schemes tegami can write (hash_password) — a subset of those it can verify.
enum class HashScheme { kArgon2id, kSha512Crypt, kBlfCrypt };

// "ARGON2ID", "SHA512-CRYPT", "BLF-CRYPT".
std::string_view hash_scheme_name(HashScheme scheme);
// Case-insensitive inverse of hash_scheme_name; nullopt for anything else.
std::optional<HashScheme> parse_hash_scheme(std::string_view name);

struct HashOptions {
  // Argon2id: libsodium's "interactive" limits (2 passes over 64 MiB; Dovecot writes 3).
  unsigned long long argon2_ops = 2;
  size_t argon2_mem_bytes = 64u * 1024 * 1024;
  // SHA512-CRYPT rounds (the crypt default of 5000 is too cheap; 100000 costs ~70 ms on one core).
  unsigned long sha512_rounds = 100000;
  // BLF-CRYPT cost (log2 of the iteration count); 10 is OWASP's minimum.
  unsigned long bcrypt_cost = 10;
};

// A new `{SCHEME}...` string for `password` (any bytes except NUL) with a fresh random salt.
// Errors: kInvalidArgument if the password contains NUL or is longer than kMaxPasswordBytes;
// kInvalidArgument for cost options the algorithm refuses; kIo if the library fails
// (out of memory for the Argon2 limit, no entropy source).
maildir::Result<std::string> hash_password(std::string_view password,
                                           HashScheme scheme = HashScheme::kArgon2id,
                                           const HashOptions& options = {});

// Longest password accepted by hash_password and verify_password.
inline constexpr size_t kMaxPasswordBytes = 1024;

enum class Verify {
  kMatch,        // the password is right
  kMismatch,     // the password is wrong
  kUnsupported,  // the stored value is malformed or its scheme is unknown (a config error:
                 // treat as a failed login and log it; `config check` reports it)
};

// Checks `password` against `stored` (`{SCHEME}hash`, or a bare crypt(3) string).
// A password with NUL or longer than kMaxPasswordBytes is kMismatch. A locked crypt value
// (`*`, `!...`) is kMismatch.
// Argon2 checks each take the hash's memory (64 MiB by default): at most
// kMaxConcurrentArgon2 run at once in the process, the others wait (on their worker thread),
// so a login flood cannot take (pool threads × 64 MiB) of memory.
Verify verify_password(std::string_view password, std::string_view stored);

inline constexpr int kMaxConcurrentArgon2 = 4;
// The most Argon2 checks that ran at the same time since the process started (for tests).
int argon2_peak_concurrency();

// What `config check` needs to know about a stored value without a password.
struct StoredHashInfo {
  std::string scheme;      // upper-case scheme name as written, "CRYPT" when no prefix
  bool supported = false;  // verify_password can check it (format looks valid)
  bool plaintext = false;  // {PLAIN}/{CLEAR}/{CLEARTEXT}: supported, but warn
  // A crypt method libxcrypt's crypt_checksalt calls legacy or too cheap (on Debian 12: DES,
  // MD5-CRYPT, SHA256-CRYPT). The round count of $6$ values is not judged.
  bool weak = false;
};
StoredHashInfo inspect_stored_hash(std::string_view stored);

}  // namespace tegami_auth
