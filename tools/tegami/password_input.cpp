#include "password_input.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>

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

}  // namespace

void wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

std::optional<std::string> read_password() {
  return isatty(STDIN_FILENO) ? prompt_no_echo("Password: ") : read_line(stdin);
}

maildir::Result<std::string> read_new_password_hash(tegami_auth::HashScheme scheme) {
  std::optional<std::string> password;
  if (isatty(STDIN_FILENO)) {
    password = prompt_no_echo("Password: ");
    std::optional<std::string> again = prompt_no_echo("Retype password: ");
    bool same = password && again && *password == *again;
    if (again) wipe(*again);
    if (!same) {
      if (password) wipe(*password);
      return maildir::Status(maildir::Code::kInvalidArgument, "the passwords do not match");
    }
  } else {
    password = read_line(stdin);
  }
  if (!password || password->empty()) {
    return maildir::Status(maildir::Code::kInvalidArgument, "empty password refused");
  }
  maildir::Result<std::string> hash = tegami_auth::hash_password(*password, scheme);
  wipe(*password);
  return hash;
}

}  // namespace tegami_cli
