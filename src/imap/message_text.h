// A message's bytes as IMAP sends them: CRLF line ends (files on disk have LF), split into
// header and text, HEADER.FIELDS selection, partial ranges. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imap {

// LF → CRLF (a CRLF already there stays as it is).
std::string to_crlf(std::string_view data);

// Length of the header including the blank line that ends it (CRLF form); the whole message
// when there is no blank line.
size_t header_length(std::string_view crlf_message);

// The header fields named (or, with `negate`, not named) in `upper_names`, each with its
// continuation lines, followed by the blank line.
std::string header_fields(std::string_view crlf_header, const std::vector<std::string>& upper_names,
                          bool negate);

}  // namespace imap
