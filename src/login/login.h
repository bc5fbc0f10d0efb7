// The login service every protocol shares: from (protocol, username, password, client facts)
// to the user's identity or a classified refusal.
//
// One login runs these steps, in this order:
//   1. plaintext policy: a password sent before TLS on a listener without allow_plaintext_auth
//      is refused (kPlaintextRefused) without any lookup or delay — tell the client to use TLS;
//   2. account lookup in the config snapshot (Config::find_account: the real address, no alias
//      or +detail) and tegami_auth::authenticate() — on a worker thread in the async API;
//   3. failure (unknown user, wrong password, bad username: all the same) → kFailed, answered
//      after the shared FailureDelay (same delay for every kind), metrics logins_failed and the
//      Dovecot-shaped "Disconnected (auth failed ...)" log line (fail2ban's dovecot filter);
//   4. password right but account disabled → kDisabled; plan does not allow the protocol →
//      kProtocolRefused (both counted as failed logins, logged, not delayed: the password was
//      right, so a delay protects nothing);
//   5. success → kOk with the Identity; the IP's failures are forgotten, POP-before-SMTP
//      records the IP (for POP3/IMAP logins when auth.pop_before_smtp is on), metrics
//      logins_ok and the "Login: user=<...>" log line.
// kTemporary: the lookup itself failed; answer with the protocol's temporary error.
//
// Mapping to the wire (each protocol does it in one function):
//   kFailed          POP3 -ERR [AUTH]       IMAP NO [AUTHENTICATIONFAILED]  SMTP 535 5.7.8
//   kPlaintextRefused POP3 -ERR [AUTH]      IMAP NO [PRIVACYREQUIRED]       SMTP 538 5.7.11
//   kDisabled        POP3 -ERR [SYS/PERM]   IMAP NO [CONTACTADMIN]          SMTP 535 5.7.8
//   kProtocolRefused POP3 -ERR [SYS/PERM]   IMAP NO [CONTACTADMIN]          SMTP 550 5.7.1
//   kTemporary       POP3 -ERR [SYS/TEMP]   IMAP NO [UNAVAILABLE]           SMTP 454 4.7.0
//
// Threading: LoginService is thread-safe (its FailureDelay and PopBeforeSmtp have their own
// mutexes). login_sync() blocks (password hashing): call it from a worker thread or a unit
// test. login() must be called on the connection's loop thread; `done` runs on that thread
// (after the failure delay when the login failed), and never if the connection closed first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "auth/failure_delay.h"
#include "auth/pop_before_smtp.h"
#include "config/config.h"

namespace net {
class Connection;
}

namespace tegami::login {

struct LoginRequest {
  config::Protocol protocol = config::Protocol::kImap;
  std::string username;  // as the client sent it (checked by username_is_valid)
  std::string password;
  std::string method;     // "PLAIN", "LOGIN", "USER" (for the log line)
  std::string remote_ip;  // the real client (after PROXY)
  std::string local_ip;
  bool tls = false;                   // TLS is active on the connection
  bool allow_plaintext_auth = false;  // the listener's setting
  std::uint64_t session = 0;          // connection id, for the log
  unsigned attempt = 1;               // this connection's failed attempts so far + 1 (log)
};

enum class LoginOutcome {
  kOk,
  kFailed,            // unknown user / wrong password / invalid username (indistinguishable)
  kPlaintextRefused,  // password before TLS where the listener does not allow it
  kDisabled,          // right password, account disabled
  kProtocolRefused,   // right password, the domain's plan does not allow this protocol
  kTemporary,         // the lookup failed
};

// "ok", "failed", "plaintext_refused", "disabled", "protocol_refused", "temporary".
std::string_view login_outcome_name(LoginOutcome outcome);

// Who logged in. Copied out of the snapshot, so it stays valid after a reload.
struct Identity {
  std::string address;            // canonical "local@domain", lower-case
  std::string domain;             // lower-case
  std::string account;            // local part, lower-case
  std::string maildir_path;       // Config::maildir_path
  std::uint64_t quota_bytes = 0;  // account quota_mb * 1048576; 0 = unlimited
  config::QuotaPolicy quota_policy = config::QuotaPolicy::kOvershoot;
  config::UidlFormat uidl_format = config::UidlFormat::kDovecot;  // the domain's POP3 UIDL
};

struct LoginResult {
  LoginOutcome outcome = LoginOutcome::kFailed;
  std::string reason;  // for logs only, never sent to the client
  Identity identity;   // filled only for kOk
  // How long to wait before answering, measured from the start of the attempt (kFailed only;
  // login() has already waited it before calling `done`).
  std::chrono::milliseconds delay{0};
};

class LoginService {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LoginService(tegami_auth::FailureDelayPolicy policy = {});

  // The whole login, synchronously (blocks for the password check). Applies every side effect
  // listed above (failure delay bookkeeping, POP-before-SMTP, metrics, log lines) but does not
  // sleep: the caller waits result.delay before answering a failure.
  LoginResult login_sync(const config::Config& config, const LoginRequest& request,
                         Clock::time_point now = Clock::now());

  // The same for the event loop: the password check runs via c.run_blocking(), the failure
  // delay via c.after(); `done` runs on the loop thread, not at all if `c` closed meanwhile.
  // REQUIRES: called on c's loop thread; `config` is the session's snapshot.
  void login(net::Connection& c, std::shared_ptr<const config::Config> config, LoginRequest request,
             std::function<void(LoginResult)> done);

  // Applies config limits/auth settings (failure delays, POP-before-SMTP window).
  void configure(const config::Config& config);

  tegami_auth::FailureDelay& failure_delay() { return failure_delay_; }
  tegami_auth::PopBeforeSmtp& pop_before_smtp() { return pop_before_smtp_; }

 private:
  tegami_auth::FailureDelay failure_delay_;
  tegami_auth::PopBeforeSmtp pop_before_smtp_;
};

// The running daemon's one instance (shared by every loop so failures from one IP are counted
// together; SMTP asks its pop_before_smtp()). Constructed on first use.
LoginService& process_login_service();

}  // namespace tegami::login
