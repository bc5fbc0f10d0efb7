// The header block of a received message as a list of fields, for the list post's rewrite.
// Pure: bytes in, fields out; never fails (a message without a blank line is all header; a
// line that is neither a field nor a continuation is kept as its own unnamed field so that no
// byte is lost). Any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tegami_lists {

struct HeaderField {
  std::string name;  // as written ("Subject"); "" for a line that is not a field
  std::string raw;   // the whole field: name, colon, value, continuation lines, final CRLF
  // The value after the colon, unfolded (CRLF before WSP removed), leading/trailing WSP trimmed.
  std::string value() const;
  bool is(std::string_view field_name) const;  // case-insensitive name comparison
};

struct SplitMessage {
  std::vector<HeaderField> fields;
  std::string_view body;  // from the blank line separating header and body (kept), or ""
};

// REQUIRES: `message` outlives the result (body is a view into it).
SplitMessage split_header(std::string_view message);

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

}  // namespace tegami_lists
