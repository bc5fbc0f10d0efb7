// Internal to tegami_mime (not for other folders): RFC 2045 header value tokenising shared by the
// parser and the renderers. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/structure.h"

namespace mime::detail {

// Skips whitespace and (nested) comments from s[i]; returns the new index.
size_t skip_cfws(std::string_view s, size_t i);
// Trims ASCII whitespace at both ends.
std::string_view trim(std::string_view s);
// Parses "value; name=value; name="quoted"" into the first token (type/subtype or disposition)
// and its parameters. `head` keeps the text before the first ';' with CFWS removed.
void parse_value_params(std::string_view v, std::string& head, std::vector<Param>& params);

}  // namespace mime::detail
