// Text normalisation for IMAP SEARCH: both the message text and the search key pass through
// normalize_for_search() and are compared as byte substrings.
//
// What it does (glibc has no NFKC; see docs/mime.md): Unicode simple case folding for Latin,
// Greek, Cyrillic and full-width Latin (via towlower in the C.UTF-8 locale tables), full-width
// ASCII (U+FF01–U+FF5E) to ASCII, ideographic space U+3000 to space, half-width katakana
// (U+FF61–U+FF9F) to full-width katakana with voiced marks combined, runs of whitespace (incl.
// CR/LF) to one space. Invalid UTF-8 bytes become U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace mime {

std::string normalize_for_search(std::string_view utf8);

// True when normalize_for_search(key) occurs in normalize_for_search(text).
bool text_contains(std::string_view text, std::string_view key);

}  // namespace mime
