// Logging to stderr: one line per event, journald-friendly, thread-safe.
//
// Each line is written with a single write(2) (lines are short; a line never interleaves
// with another thread's). Under systemd, stderr goes to the journal, which understands an
// optional "<N>" syslog priority prefix (sd-daemon(3)); enable it with
// Options::priority_prefix. Without systemd, Options::timestamps adds an ISO-8601 local time.
//
// The auth helpers write the lines in the shape Dovecot uses, so fail2ban's stock `dovecot`
// filter (/etc/fail2ban/filter.d/dovecot.conf) bans brute-forcers without a custom filter:
//   imap-login: Login: user=<u@example.com>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, mpid=0,
//   TLS, session=<c12> imap-login: Disconnected (auth failed, 3 attempts in 7 secs):
//   user=<u@example.com>, method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, TLS, session=<c12>
//   imap(u@example.com): Disconnected: Logged out in=12 out=345
// Values taken from the client (user names) are sanitised: control characters and '>' are
// replaced, so a client cannot forge a second line or end the user=<> field early.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace logging {

enum class Level {  // syslog priorities
  kError = 3,
  kWarning = 4,
  kNotice = 5,
  kInfo = 6,
  kDebug = 7,
};

struct Options {
  Level min_level = Level::kInfo;  // lines above (less severe than) this are dropped
  bool priority_prefix = false;    // "<6>" etc. for journald
  bool timestamps = false;         // "2026-11-25T10:00:00 " before each line
  int fd = 2;                      // where to write (tests may point it at a file)
};

// Set before the threads start or at any time (thread-safe).
void configure(const Options& options);
Options options();

// Writes `message` as one line (a trailing newline is added; embedded newlines become spaces).
void write(Level level, std::string_view message);
inline void error(std::string_view m) {
  write(Level::kError, m);
}
inline void warning(std::string_view m) {
  write(Level::kWarning, m);
}
inline void notice(std::string_view m) {
  write(Level::kNotice, m);
}
inline void info(std::string_view m) {
  write(Level::kInfo, m);
}
inline void debug(std::string_view m) {
  write(Level::kDebug, m);
}

// Control characters, '<' and '>' replaced by '?', at most 128 bytes kept.
std::string sanitize(std::string_view untrusted);

// Who is logging in from where: the common fields of the auth lines.
struct AuthContext {
  std::string_view service;    // "imap", "pop3", "smtp", "submission" → "imap-login:" prefix
  std::string_view user;       // as the client sent it (sanitised on output); may be empty
  std::string_view method;     // "PLAIN", "LOGIN", "USER" ...
  std::string_view remote_ip;  // real client, after PROXY
  std::string_view local_ip;
  bool tls = false;
  uint64_t session = 0;  // connection id
};

// "<service>-login: Login: user=<..>, method=.., rip=.., lip=.., mpid=0[, TLS], session=<..>"
void login_ok(const AuthContext& ctx);
// "<service>-login: Disconnected (auth failed, N attempts in S secs): user=<..>, method=..,
// rip=.., lip=..[, TLS], session=<..>" — matched by fail2ban's dovecot filter.
void auth_failed(const AuthContext& ctx, unsigned attempts, unsigned seconds);
// "<service>(<user>): Disconnected: <reason> in=<bytes> out=<bytes>" after a session.
void logout(std::string_view service, std::string_view user, std::string_view reason,
            uint64_t bytes_in, uint64_t bytes_out);

// The formatting behind the helpers (no level, no prefix), for tests.
std::string format_login_ok(const AuthContext& ctx);
std::string format_auth_failed(const AuthContext& ctx, unsigned attempts, unsigned seconds);
std::string format_logout(std::string_view service, std::string_view user, std::string_view reason,
                          uint64_t bytes_in, uint64_t bytes_out);

}  // namespace logging
