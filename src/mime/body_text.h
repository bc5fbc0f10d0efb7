// The searchable text of a message for IMAP SEARCH BODY/TEXT/header keys: header values with
// RFC 2047 words decoded, and the bodies of text/* parts transfer-decoded (base64, QP) and
// converted from their charset to UTF-8. Pure; the caller holds the message bytes (or the
// parts of them the spans name) and has parsed it. Feed the results to search_text.h.
#pragma once

#include <string>
#include <string_view>

#include "mime/structure.h"

namespace mime {

// The decoded body text of every text/* part (and of message/rfc822 parts' inner text parts),
// each part's text followed by '\n'. Parts with an unknown charset are taken as UTF-8 with
// invalid bytes replaced. `message` is the whole stored message that `s` was parsed from.
std::string decoded_body_text(const Structure& s, std::string_view message);

// The header block of parts[part] (default: the message), unfolded, one "Name: value" per line,
// values RFC 2047-decoded to UTF-8.
std::string decoded_header_text(const Structure& s, std::string_view message, uint32_t part = 0);

// The decoded (UTF-8) value of the first header field `name` (case-insensitive) in parts[part]'s
// header, or "" when absent.
std::string decoded_header_field(const Structure& s, std::string_view message,
                                 std::string_view name, uint32_t part = 0);

}  // namespace mime
