// IMAP renderings of a parsed message (RFC 3501 §7.4.2), byte-exact as Dovecot renders them:
// ENVELOPE, BODY and BODYSTRUCTURE. Pure; strings are emitted as quoted strings when they can be
// (no CR, LF, NUL, 8-bit or over-long) and as literals {n}\r\n... otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mime/structure.h"

namespace mime {

// ENVELOPE of parts[part] (0 = the message; or an encapsulated message part). "(date subject
// from sender reply-to to cc bcc in-reply-to message-id)"; sender and reply-to default to from.
// REQUIRES: part has an envelope (parts[part].envelope != kNone); else renders all-NIL.
std::string render_envelope(const Structure& s, uint32_t part = 0);

// BODY (extended = false) or BODYSTRUCTURE (extended = true) of parts[part].
std::string render_body(const Structure& s, bool extended, uint32_t part = 0);

// An IMAP string: NIL for nullptr-like absent (use render_nstring), quoted or literal.
std::string imap_string(std::string_view v);
// NIL when `v` is empty, else imap_string(v).
std::string imap_nstring(std::string_view v);

}  // namespace mime
