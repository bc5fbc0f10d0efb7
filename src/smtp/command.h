// One SMTP command line → a Command or the Reply refusing it (RFC 5321 §4.1, RFC 3207
// STARTTLS, RFC 4954 AUTH).
//
// The line is what LineReader returned (no CRLF). Verbs are case-insensitive. Arguments are
// checked here, not in the session: HELO/EHLO need a domain or address literal, DATA / RSET /
// QUIT / STARTTLS take none, MAIL needs "FROM:<path>" and RCPT "TO:<path>" (one optional space
// after the colon is tolerated) followed by ESMTP parameters (params.h). Control characters
// (NUL, CR, LF, other C0, DEL) anywhere in the line: 501 5.5.2. Unknown verb: 500 5.5.1.
// Whether a command is allowed in the session's current state is the session's business.
// Pure; any thread.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "smtp/params.h"
#include "smtp/path.h"
#include "smtp/reply.h"

namespace tegami_smtp {

enum class Verb {
  kHelo,
  kEhlo,
  kMail,
  kRcpt,
  kData,
  kRset,
  kNoop,
  kQuit,
  kVrfy,
  kExpn,
  kHelp,
  kStartTls,
  kAuth,
};

struct Command {
  Verb verb = Verb::kNoop;
  // HELO/EHLO: the client's domain or literal. AUTH: the mechanism (upper-cased).
  // VRFY/EXPN/HELP/NOOP: the argument as sent (may be empty for HELP/NOOP).
  std::string arg;
  // AUTH: the initial response ("=" for an empty one), if any.
  std::string initial_response;
  bool has_initial_response = false;
  Path path;        // MAIL/RCPT
  MailParams mail;  // MAIL
  RcptParams rcpt;  // RCPT
};

std::variant<Command, Reply> parse_command(std::string_view line);

// The verb as sent on the wire, e.g. "MAIL" (logs, tests).
std::string_view verb_name(Verb v);

}  // namespace tegami_smtp
