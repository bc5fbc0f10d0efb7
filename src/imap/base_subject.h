// The base subject of RFC 5256 section 2.1, which SORT SUBJECT orders by and THREAD groups by,
// and the comparison form of sort strings.
//
// The subject is RFC 2047-decoded and normalised first (mime::normalize_for_search: full-width
// ASCII to ASCII, U+3000 to space, whitespace runs to one space, case folded), then upper-cased
// in ASCII, so `Ｒｅ：` is `RE:` and `re:`. Reply and forward prefixes are the RFC's `Re:`,
// `Fw:`, `Fwd:` (with an optional `[blob]` before the colon, e.g. `Re[2]:`) plus the Japanese
// ones clients write, `返信:` and `転送:` (half- or full-width colon); leading `[list]` blobs,
// trailing `(fwd)` and `[Fwd: ...]` wrappers go too.
//
// Pure: no I/O; any thread.
#pragma once

#include <string>
#include <string_view>

namespace imap {

struct BaseSubject {
  std::string text;               // in sort_text() form
  bool reply_or_forward = false;  // a Re/Fwd/(fwd)/[fwd: ...] was removed (THREAD step 5)
};

// `raw` is the Subject header value as written (unfolded or not, RFC 2047 words allowed).
BaseSubject base_subject(std::string_view raw);

// The form sort strings are compared in (an approximation of i;unicode-casemap, RFC 5051):
// mime::normalize_for_search, then ASCII letters upper-cased, so ASCII orders as Dovecot's
// titlecase map does ('_' after letters).
std::string sort_text(std::string_view utf8);

}  // namespace imap
