// `tegami pw [--scheme ARGON2ID|SHA512-CRYPT|BLF-CRYPT]`: print a new `{SCHEME}...` password hash
// for a config file or a Dovecot passwd-file. The password comes from standard input (one line)
// when that is not a terminal, else from two prompts without echo.
// `tegami pw --test HASH` (as `doveadm pw -t`): read a password the same way (one prompt) and say
// whether it matches HASH: exit 0 "verified", 1 "mismatch", 1 "unsupported hash".
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "auth/password.h"
#include "command.h"

namespace tegami_cli {
namespace {

// One line from `in` without its line end; nullopt at end of input before any byte. Stops at
// kMaxPasswordBytes + 1 bytes so the caller's length check refuses, not this function.
std::optional<std::string> read_line(FILE* in) {
  std::string line;
  int c;
  bool any = false;
  while ((c = std::fgetc(in)) != EOF) {
    any = true;
    if (c == '\n') break;
    if (line.size() <= tegami_auth::kMaxPasswordBytes) line.push_back(static_cast<char>(c));
  }
  if (!any) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Prompts on stderr and reads a line from the terminal on stdin with echo off. Echo goes off
// before the prompt appears, so an answer typed as soon as the prompt shows is never echoed, and
// TCSANOW keeps it instead of flushing it.
std::optional<std::string> prompt_no_echo(const char* prompt) {
  termios saved{};
  bool restore = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  std::optional<std::string> line = read_line(stdin);
  if (restore) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  return line;
}

void wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

int test(const std::string& stored) {
  std::optional<std::string> password =
      isatty(STDIN_FILENO) ? prompt_no_echo("Password: ") : read_line(stdin);
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

  std::optional<std::string> password;
  if (test_hash) return test(*test_hash);
  if (isatty(STDIN_FILENO)) {
    password = prompt_no_echo("Password: ");
    std::optional<std::string> again = prompt_no_echo("Retype password: ");
    if (!password || !again || *password != *again) {
      std::fprintf(stderr, "tegami pw: the passwords do not match\n");
      if (password) wipe(*password);
      if (again) wipe(*again);
      return 1;
    }
    wipe(*again);
  } else {
    password = read_line(stdin);
  }
  if (!password || password->empty()) {
    std::fprintf(stderr, "tegami pw: empty password refused\n");
    return 1;
  }
  auto hash = tegami_auth::hash_password(*password, scheme);
  wipe(*password);
  if (!hash.ok()) {
    std::fprintf(stderr, "tegami pw: %s\n", hash.status().to_string().c_str());
    return 1;
  }
  std::printf("%s\n", hash->c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}

Register r_pw{{"pw", "[--scheme ARGON2ID|SHA512-CRYPT|BLF-CRYPT] | --test HASH",
               "print a new password hash (password on stdin, or prompted), or test one", &pw}};

}  // namespace
}  // namespace tegami_cli
