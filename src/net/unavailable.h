// The placeholder handler for a listener whose protocol is not implemented yet: it sends the
// protocol's proper "not available" greeting and closes (after the TLS handshake on an
// implicit-TLS listener, as on_open() runs then).
//   smtp / submission / lmtp: "554 5.3.2 <host> ESMTP service not available" (RFC 5321 §3.1)
//   pop3:                     "-ERR [SYS/PERM] <host> POP3 service not available"
//   imap:                     "* BYE [UNAVAILABLE] <host> IMAP service not available"
// Any other protocol name gets the SMTP form.
#pragma once

#include <string>

#include "net/connection.h"

namespace net {

// The greeting line (with CRLF) for `protocol`, naming `hostname`.
std::string unavailable_greeting(const std::string& protocol, const std::string& hostname);

// A factory for the listener: every connection gets the greeting above, then close.
HandlerFactory unavailable_handler_factory(std::string protocol, std::string hostname);

}  // namespace net
