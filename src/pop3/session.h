// The POP3 session (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034): a net::Handler.
//
// States: Authorization (USER/PASS, AUTH, STLS, CAPA, QUIT) → Transaction (STAT, LIST, RETR,
// TOP, DELE, NOOP, RSET, UIDL, CAPA, QUIT) → Update (QUIT's commit, then close). While a login
// or storage call runs off the loop, input is paused. Replies use RFC 2449/3206 response codes:
// [AUTH] for a refused login or plaintext before TLS, [IN-USE] when another POP3 session holds
// the mailbox, [SYS/PERM] for a disabled account or a protocol not in the plan, [SYS/TEMP]
// for storage trouble. Limits: 3 bad commands before login and 20 after close the session;
// limits.max_auth_failures failed logins close it; lines over limits.max_line_length get
// "-ERR Line too long"; idle timeout pop3.idle_timeout (10 minutes, RFC 1939 §3). RETR marks
// \Seen at QUIT when the user's domain says so (Domain::pop3_mark_seen, from pop3.mark_seen).
//
// Threading: owned by one connection's loop thread (see net/connection.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "config/config.h"
#include "net/connection.h"

namespace tegami::pop3 {

struct SessionOptions {
  bool allow_plaintext_auth = false;  // the listener's setting
  bool starttls_offered = false;      // the listener is `tls: starttls` (STLS in CAPA)
  unsigned max_bad_before_auth = 3;
  unsigned max_bad_after_auth = 20;
  std::chrono::milliseconds lock_refresh{std::chrono::seconds(30)};
};

// Makes one session handler. `config` is the snapshot the session uses throughout.
std::unique_ptr<net::Handler> make_session(std::shared_ptr<const config::Config> config,
                                           SessionOptions options);

}  // namespace tegami::pop3
