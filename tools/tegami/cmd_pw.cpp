// `tegami pw [--scheme ARGON2ID|SHA512-CRYPT|BLF-CRYPT]`: print a new `{SCHEME}...` password hash
// for a config file or a Dovecot passwd-file. The password comes from standard input (one line)
// when that is not a terminal, else from two prompts without echo.
// `tegami pw --test HASH` (as `doveadm pw -t`): read a password the same way (one prompt) and say
// whether it matches HASH: exit 0 "verified", 1 "mismatch", 1 "unsupported hash".
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "auth/password.h"
#include "command.h"
#include "password_input.h"

namespace tegami_cli {
namespace {

int test(const std::string& stored) {
  std::optional<std::string> password = read_password();
  if (!password) password.emplace();
  tegami_auth::Verify v = tegami_auth::verify_password(*password, stored);
  wipe(*password);
  switch (v) {
    case tegami_auth::Verify::kMatch:
      std::printf("verified\n");
      return 0;
    case tegami_auth::Verify::kMismatch:
      std::printf("mismatch\n");
      return 1;
    case tegami_auth::Verify::kUnsupported:
      break;
  }
  std::fprintf(stderr, "tegami pw: unsupported or malformed hash (scheme %s)\n",
               tegami_auth::inspect_stored_hash(stored).scheme.c_str());
  return 1;
}

int pw(const Invocation& inv) {
  tegami_auth::HashScheme scheme = tegami_auth::HashScheme::kArgon2id;
  std::optional<std::string> test_hash;
  for (size_t i = 0; i < inv.args.size(); ++i) {
    std::string name;
    if ((inv.args[i] == "--test" || inv.args[i] == "-t") && i + 1 < inv.args.size()) {
      test_hash = inv.args[++i];
      continue;
    }
    if (inv.args[i] == "--scheme" && i + 1 < inv.args.size()) {
      name = inv.args[++i];
    } else if (inv.args[i].rfind("--scheme=", 0) == 0) {
      name = inv.args[i].substr(9);
    } else {
      return usage_error("pw");
    }
    auto parsed = tegami_auth::parse_hash_scheme(name);
    if (!parsed) {
      std::fprintf(stderr, "tegami pw: unknown scheme '%s' (ARGON2ID, SHA512-CRYPT, BLF-CRYPT)\n",
                   name.c_str());
      return 2;
    }
    scheme = *parsed;
  }

  if (test_hash) return test(*test_hash);
  maildir::Result<std::string> hash = read_new_password_hash(scheme);
  if (!hash.ok()) {
    std::fprintf(stderr, "tegami pw: %s\n", hash.status().message().c_str());
    return 1;
  }
  std::printf("%s\n", hash->c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}

Register r_pw{{"pw", "[--scheme ARGON2ID|SHA512-CRYPT|BLF-CRYPT] | --test HASH",
               "print a new password hash (password on stdin, or prompted), or test one", &pw}};

}  // namespace
}  // namespace tegami_cli
