// Commands of the not-authenticated state: STARTTLS, LOGIN, AUTHENTICATE (with SASL-IR).
#include "auth/sasl.h"
#include "imap/command_table.h"
#include "imap/session.h"

namespace imap {

void cmd_starttls(Session& s, Command& c) {
  if (s.conn().tls_active()) {
    s.bad(c.tag, "TLS is already active.");
    return;
  }
  if (s.conn().listener().tls != net::TlsMode::kStartTls) {
    s.tagged(c.tag, "NO STARTTLS is not available on this port.");
    return;
  }
  s.tagged(c.tag, "OK Begin TLS negotiation now.");
  // Everything the client sent after this command is discarded (the connection drops it).
  s.start_tls();
}

void cmd_login(Session& s, Command& c) {
  if (!c.args[0].is_astring() || !c.args[1].is_astring()) {
    s.bad(c.tag, "Invalid LOGIN arguments.");
    return;
  }
  if (s.plaintext_refused()) {
    s.tagged(c.tag,
             "NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) "
             "connections.");
    return;
  }
  s.run_login(c.tag, c.args[0].text, c.args[1].text, "LOGIN");
}

void cmd_authenticate(Session& s, Command& c) {
  if (c.args[0].kind != Arg::Kind::kAtom ||
      (c.args.size() == 2 && c.args[1].kind != Arg::Kind::kAtom)) {
    s.bad(c.tag, "Invalid AUTHENTICATE arguments.");
    return;
  }
  auto mech = tegami_auth::parse_sasl_mechanism(c.args[0].text);
  if (!mech) {
    s.tagged(c.tag, "NO Unsupported authentication mechanism.");
    return;
  }
  if (s.plaintext_refused()) {
    s.tagged(c.tag,
             "NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) "
             "connections.");
    return;
  }
  std::optional<std::string> ir;
  if (c.args.size() == 2) ir = c.args[1].text;
  s.start_sasl(c.tag, *mech, std::move(ir));
}

}  // namespace imap
