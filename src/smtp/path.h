// SMTP paths (RFC 5321 §4.1.2, RFC 6531 for UTF-8): "<>", "<local@domain>", source routes.
//
// parse_path() reads the angle-bracketed path at the start of `s` and returns it with the
// number of bytes used, or a Reply refusing it (501 5.1.7 for a bad sender, 501 5.1.3 for a
// bad recipient). It accepts, and marks, the forms a relay trick is made of, so the session
// can refuse them by name (relay_trick()) instead of answering a bare syntax error:
// a source route "@a,@b:", a trailing dot on the domain. Quoted local parts are decoded
// ("a\"b" → a"b). UTF-8 in the local part or domain must be well-formed; `utf8` is set so the
// session can require the SMTPUTF8 parameter. Control characters and NUL are never accepted.
// Pure; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "smtp/reply.h"

namespace tegami_smtp {

struct Path {
  bool null = false;             // "<>" (reverse path only)
  std::string local;             // decoded local part
  std::string domain;            // as sent (without a trailing dot; see trailing_dot)
  bool quoted = false;           // the local part was a quoted string
  bool source_route = false;     // "@a,@b:" before the mailbox
  bool trailing_dot = false;     // "local@domain."
  bool address_literal = false;  // domain is "[...]"
  bool utf8 = false;             // non-ASCII bytes in local part or domain

  // "local@domain" (local re-quoted when needed), "" for the null path.
  std::string address() const;
};

struct ParsedPath {
  Path path;
  size_t used = 0;  // bytes of the input up to and including '>'
};

enum class PathRole { kReversePath, kForwardPath };

std::variant<ParsedPath, Reply> parse_path(std::string_view s, PathRole role);

// Why a recipient path can never be local mail on this server, or nullopt. Checks the forms
// used to trick a server into relaying: source route, percent hack (a%b@us), bang path
// (b!a@us), '@' in a quoted local part ("a@b"@us), trailing dot on the domain. The caller
// answers 554 5.7.1 with the returned text.
std::optional<std::string> relay_trick(const Path& p);

// True when s is well-formed UTF-8 without C0/C1 controls and NUL.
bool valid_utf8_text(std::string_view s);

}  // namespace tegami_smtp
