// IMAP section specs (RFC 3501 §6.4.5 BODY[<section>]) resolved to byte ranges of the stored
// message. Pure functions over a Structure.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "mime/structure.h"

namespace mime {

// Finds the part a dotted part number names ("" = the whole message, "1", "2.1.3").
// Numbering as IMAP does: the children of a multipart; for a message/rfc822 part, its numbers
// continue into the encapsulated message (N.1 is its first body part, or its body when not
// multipart); for a non-multipart message or part, "1" is itself, so "N.1" of a leaf part N is
// N (as Dovecot answers).
// Returns the index in s.parts, or nullopt when no such part exists.
std::optional<uint32_t> find_section(const Structure& s, std::string_view numbers);

enum class SectionText {
  kAll,     // BODY[n] : the part's body (BODY[] = whole message: header and body)
  kHeader,  // BODY[n.HEADER] / HEADER.FIELDS: header of the (encapsulated) message
  kText,    // BODY[n.TEXT]: body of the (encapsulated) message
  kMime,    // BODY[n.MIME]: the part's own MIME header
};

// A region of the stored file. `size` is its IMAP length (CRLF counting).
struct Span {
  uint64_t offset = 0;  // in the stored file
  uint64_t length = 0;  // stored bytes
  uint64_t size = 0;    // IMAP bytes (bare LF counted as CRLF)
};

// The region for `numbers` + `text`. HEADER/TEXT apply to parts[0] (numbers "") or to a
// message/rfc822 part (its encapsulated message); on other parts they give nullopt, as does
// MIME on "" . Returns nullopt when the section does not exist.
std::optional<Span> section_span(const Structure& s, std::string_view numbers, SectionText text);

}  // namespace mime
