// Password hashing and verification: crypt(3) from libxcrypt, Argon2 from libsodium.
#include "auth/password.h"

#include <crypt.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <semaphore>

namespace tegami_auth {

namespace {

using maildir::Code;
using maildir::Status;

// libsodium must be initialised once before use; sodium_init is itself thread-safe and a
// function-local static makes the first call race-free.
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool has_prefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Splits `{SCHEME}rest`; a value without a well-formed prefix is {CRYPT}.
struct Split {
  std::string scheme;
  std::string_view rest;
};
Split split_stored(std::string_view stored) {
  if (!stored.empty() && stored.front() == '{') {
    size_t close = stored.find('}');
    if (close != std::string_view::npos && close > 1 && close <= 32) {
      return {upper_ascii(stored.substr(1, close - 1)), stored.substr(close + 1)};
    }
  }
  return {"CRYPT", stored};
}

bool password_acceptable(std::string_view password) {
  return password.size() <= kMaxPasswordBytes && password.find('\0') == std::string_view::npos;
}

enum class Family { kCrypt, kArgon2, kPlain, kUnknown };

struct SchemeRule {
  std::string_view name;
  Family family;
  // Required start of the hash part; empty = anything crypt(3) takes.
  std::string_view prefixes[4];
};

constexpr SchemeRule kRules[] = {
    {"CRYPT", Family::kCrypt, {}},
    {"SHA512-CRYPT", Family::kCrypt, {"$6$"}},
    {"SHA256-CRYPT", Family::kCrypt, {"$5$"}},
    {"MD5-CRYPT", Family::kCrypt, {"$1$"}},
    {"BLF-CRYPT", Family::kCrypt, {"$2y$", "$2b$", "$2a$"}},
    {"ARGON2ID", Family::kArgon2, {"$argon2id$"}},
    {"ARGON2I", Family::kArgon2, {"$argon2i$"}},
    {"PLAIN", Family::kPlain, {}},
    {"CLEAR", Family::kPlain, {}},
    {"CLEARTEXT", Family::kPlain, {}},
};

const SchemeRule* find_rule(std::string_view scheme) {
  for (const SchemeRule& r : kRules) {
    if (r.name == scheme) return &r;
  }
  return nullptr;
}

bool prefix_allowed(const SchemeRule& rule, std::string_view rest) {
  if (rule.prefixes[0].empty()) return true;
  for (std::string_view p : rule.prefixes) {
    if (!p.empty() && has_prefix(rest, p)) return true;
  }
  return false;
}

// A crypt(3) value that can never match: the conventional "locked" markers.
bool crypt_locked(std::string_view rest) {
  return rest.empty() || rest.front() == '*' || rest.front() == '!';
}

// A complete crypt(3) hash, not just a setting: `$id$[params$]salt$hash` with a non-empty hash
// part, a 20-byte BSDi `_` value or a 13-byte traditional DES value. crypt_checksalt looks only
// at the setting, so this catches truncated values such as `$6$`; bcrypt's cost is range-checked
// here because checksalt accepts any two digits.
bool crypt_looks_complete(std::string_view rest) {
  if (rest.empty()) return false;
  if (rest.front() == '$') {
    if (std::count(rest.begin(), rest.end(), '$') < 3 || rest.back() == '$') return false;
    if (rest.size() > 7 && rest[1] == '2' && rest[3] == '$' && rest[6] == '$') {
      int cost = (rest[4] - '0') * 10 + (rest[5] - '0');
      return rest[4] >= '0' && rest[4] <= '9' && rest[5] >= '0' && rest[5] <= '9' && cost >= 4 &&
             cost <= 31;
    }
    return true;
  }
  if (rest.front() == '_') return rest.size() == 20;
  return rest.size() == 13;
}

// crypt_checksalt's verdict on the setting part of a stored crypt value.
bool crypt_setting_usable(const std::string& rest, bool* weak) {
  int r = crypt_checksalt(rest.c_str());
  if (weak != nullptr) *weak = (r == CRYPT_SALT_METHOD_LEGACY || r == CRYPT_SALT_TOO_CHEAP);
  return r == CRYPT_SALT_OK || r == CRYPT_SALT_METHOD_LEGACY || r == CRYPT_SALT_TOO_CHEAP;
}

struct CryptScratch {
  crypt_data data{};
  ~CryptScratch() { sodium_memzero(&data, sizeof(data)); }
};

// crypt_rn(password, setting) into `out`; false when the setting is refused.
bool run_crypt(const std::string& password, const std::string& setting, std::string* out) {
  auto scratch = std::make_unique<CryptScratch>();
  const char* r = crypt_rn(password.c_str(), setting.c_str(), &scratch->data,
                           static_cast<int>(sizeof(scratch->data)));
  if (r == nullptr || r[0] == '*') return false;
  out->assign(r);
  return true;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  // Lengths of a hash string are public (they follow from its format); only the bytes of equal
  // length strings are compared, in time independent of where they differ.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Verify verify_crypt(const std::string& password, std::string_view rest) {
  if (crypt_locked(rest)) return Verify::kMismatch;
  if (rest.size() >= CRYPT_OUTPUT_SIZE || rest.find('\0') != std::string_view::npos ||
      !crypt_looks_complete(rest)) {
    return Verify::kUnsupported;
  }
  std::string setting(rest);
  std::string computed;
  if (!run_crypt(password, setting, &computed)) return Verify::kUnsupported;
  bool match = equal_constant_time(computed, rest);
  sodium_memzero(computed.data(), computed.size());
  return match ? Verify::kMatch : Verify::kMismatch;
}

// `$argon2id$v=19$m=65536,t=2,p=1$<salt b64>$<hash b64>` (v= optional, as in old encoders).
bool argon2_format_ok(std::string_view rest) {
  if (rest.size() >= crypto_pwhash_STRBYTES || rest.find('\0') != std::string_view::npos) {
    return false;
  }
  size_t fields = std::count(rest.begin(), rest.end(), '$');
  return (fields == 5 || fields == 4) && rest.find("m=") != std::string_view::npos &&
         rest.find("t=") != std::string_view::npos && rest.find("p=") != std::string_view::npos;
}

// Bounds the memory of concurrent Argon2 checks (see kMaxConcurrentArgon2).
std::counting_semaphore<kMaxConcurrentArgon2> argon2_slots(kMaxConcurrentArgon2);
std::atomic<int> argon2_running{0};
std::atomic<int> argon2_peak{0};

Verify verify_argon2(std::string_view password, std::string_view rest) {
  if (!argon2_format_ok(rest) || !sodium_ready()) return Verify::kUnsupported;
  std::string stored(rest);  // NUL-terminated copy for libsodium
  argon2_slots.acquire();
  int running = argon2_running.fetch_add(1) + 1;
  int peak = argon2_peak.load();
  while (running > peak && !argon2_peak.compare_exchange_weak(peak, running)) {
  }
  // crypto_pwhash_str_verify compares in constant time; it cannot tell a malformed string
  // from a wrong password, so the format was checked above.
  bool match = crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
  argon2_running.fetch_sub(1);
  argon2_slots.release();
  return match ? Verify::kMatch : Verify::kMismatch;
}

Verify verify_plain(std::string_view password, std::string_view rest) {
  if (!sodium_ready()) return Verify::kUnsupported;
  // Compare fixed-size digests so that neither the length nor the content of the stored
  // password leaks through timing.
  unsigned char a[crypto_generichash_BYTES];
  unsigned char b[crypto_generichash_BYTES];
  crypto_generichash(a, sizeof(a), reinterpret_cast<const unsigned char*>(password.data()),
                     password.size(), nullptr, 0);
  crypto_generichash(b, sizeof(b), reinterpret_cast<const unsigned char*>(rest.data()), rest.size(),
                     nullptr, 0);
  return sodium_memcmp(a, b, sizeof(a)) == 0 ? Verify::kMatch : Verify::kMismatch;
}

maildir::Result<std::string> hash_crypt(const std::string& password, const char* prefix,
                                        unsigned long count, std::string_view scheme) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  // rbytes == nullptr: libxcrypt draws the salt from the OS entropy source.
  if (crypt_gensalt_rn(prefix, count, nullptr, 0, setting, sizeof(setting)) == nullptr) {
    return Status(
        errno == EINVAL ? Code::kInvalidArgument : Code::kIo,
        std::string("crypt_gensalt ") + prefix + " refused the cost " + std::to_string(count));
  }
  std::string out;
  if (!run_crypt(password, setting, &out)) {
    return Status(Code::kIo, std::string("crypt failed for ") + prefix);
  }
  return "{" + std::string(scheme) + "}" + out;
}

}  // namespace

std::string_view hash_scheme_name(HashScheme scheme) {
  switch (scheme) {
    case HashScheme::kArgon2id:
      return "ARGON2ID";
    case HashScheme::kSha512Crypt:
      return "SHA512-CRYPT";
    case HashScheme::kBlfCrypt:
      return "BLF-CRYPT";
  }
  return "ARGON2ID";
}

std::optional<HashScheme> parse_hash_scheme(std::string_view name) {
  std::string up = upper_ascii(name);
  for (HashScheme s : {HashScheme::kArgon2id, HashScheme::kSha512Crypt, HashScheme::kBlfCrypt}) {
    if (up == hash_scheme_name(s)) return s;
  }
  return std::nullopt;
}

maildir::Result<std::string> hash_password(std::string_view password, HashScheme scheme,
                                           const HashOptions& options) {
  if (!password_acceptable(password)) {
    return Status(Code::kInvalidArgument, "password contains NUL or is longer than 1024 bytes");
  }
  std::string pw(password);
  switch (scheme) {
    case HashScheme::kArgon2id: {
      if (!sodium_ready()) return Status(Code::kIo, "libsodium failed to initialise");
      if (options.argon2_ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
          options.argon2_ops > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
          options.argon2_mem_bytes < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
          options.argon2_mem_bytes > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
        return Status(Code::kInvalidArgument, "argon2id limits out of range");
      }
      char out[crypto_pwhash_STRBYTES];
      if (crypto_pwhash_str_alg(out, pw.data(), pw.size(), options.argon2_ops,
                                options.argon2_mem_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        sodium_memzero(pw.data(), pw.size());
        return Status(Code::kIo, "argon2id hashing failed (out of memory?)");
      }
      sodium_memzero(pw.data(), pw.size());
      return "{ARGON2ID}" + std::string(out);
    }
    case HashScheme::kSha512Crypt: {
      auto r = hash_crypt(pw, "$6$", options.sha512_rounds, "SHA512-CRYPT");
      sodium_memzero(pw.data(), pw.size());
      return r;
    }
    case HashScheme::kBlfCrypt: {
      auto r = hash_crypt(pw, "$2y$", options.bcrypt_cost, "BLF-CRYPT");
      sodium_memzero(pw.data(), pw.size());
      return r;
    }
  }
  return Status(Code::kInvalidArgument, "unknown scheme");
}

int argon2_peak_concurrency() {
  return argon2_peak.load();
}

Verify verify_password(std::string_view password, std::string_view stored) {
  Split split = split_stored(stored);
  const SchemeRule* rule = find_rule(split.scheme);
  if (rule == nullptr) return Verify::kUnsupported;
  if (!prefix_allowed(*rule, split.rest)) {
    return rule->family == Family::kCrypt && crypt_locked(split.rest) ? Verify::kMismatch
                                                                      : Verify::kUnsupported;
  }
  if (!password_acceptable(password)) return Verify::kMismatch;
  switch (rule->family) {
    case Family::kCrypt: {
      std::string pw(password);
      Verify v = verify_crypt(pw, split.rest);
      sodium_memzero(pw.data(), pw.size());
      return v;
    }
    case Family::kArgon2:
      return verify_argon2(password, split.rest);
    case Family::kPlain:
      return verify_plain(password, split.rest);
    case Family::kUnknown:
      break;
  }
  return Verify::kUnsupported;
}

StoredHashInfo inspect_stored_hash(std::string_view stored) {
  Split split = split_stored(stored);
  StoredHashInfo info;
  info.scheme = split.scheme;
  const SchemeRule* rule = find_rule(split.scheme);
  if (rule == nullptr) return info;
  switch (rule->family) {
    case Family::kCrypt:
      if (crypt_locked(split.rest)) {
        info.supported = true;  // a deliberately locked account
      } else if (prefix_allowed(*rule, split.rest) && split.rest.size() < CRYPT_OUTPUT_SIZE &&
                 split.rest.find('\0') == std::string_view::npos &&
                 crypt_looks_complete(split.rest)) {
        info.supported = crypt_setting_usable(std::string(split.rest), &info.weak);
      }
      break;
    case Family::kArgon2:
      info.supported = prefix_allowed(*rule, split.rest) && argon2_format_ok(split.rest);
      break;
    case Family::kPlain:
      info.supported = true;
      info.plaintext = true;
      break;
    case Family::kUnknown:
      break;
  }
  return info;
}

}  // namespace tegami_auth
