// Header text decoding to UTF-8: RFC 2047 encoded-words and RFC 2231 parameters. Unknown
// charsets and broken words are kept as they were written (never fail).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/structure.h"

namespace mime {

// Decodes every =?charset?B|Q?...?= word in an unstructured header value (Subject, phrase);
// whitespace between adjacent encoded words is dropped (RFC 2047 §6.2), consecutive words of the
// same charset are joined before conversion (split multibyte sequences), raw 8-bit text is taken
// as UTF-8 when valid, else as CP932/Latin-1 guesses via charset.h.
std::string decode_header_text(std::string_view raw);

// RFC 2231: merges continuations (name*0, name*1*...), decodes charset'lang'%XX values to
// UTF-8 and RFC 2047 words in plain values. Result names have the '*' suffixes removed.
std::vector<Param> decode_params(const std::vector<Param>& raw);

}  // namespace mime
