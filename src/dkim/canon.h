// DKIM canonicalization (RFC 6376 §3.4), "relaxed" for headers and body, and the header-block
// helpers the signer needs. Pure: no I/O, no OpenSSL; any thread.
//
// The body canonicalizer streams: feed it the body in pieces of any size (split anywhere, even
// inside a CRLF) and it appends the canonical bytes to an output string the caller hashes and
// clears, so a 20 MB body never needs a second copy in memory. Trailing empty lines are held
// back (only their count) until more content proves they are not at the end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tegami_dkim {

// RFC 6376 §3.4.4 "relaxed" body canonicalization, streaming.
class RelaxedBody {
 public:
  // Appends the canonical form of `in` (as far as it is known) to `out`.
  void feed(std::string_view in, std::string& out);
  // Appends what is still pending: the final CRLF of a non-empty body (trailing empty lines and
  // trailing whitespace are dropped; an empty or all-blank body canonicalizes to nothing).
  void finish(std::string& out);

 private:
  void content(char c, std::string& out);
  std::size_t pending_crlf_ = 0;  // line ends not written yet (they may end the body)
  bool pending_wsp_ = false;      // a run of SP/HTAB not written yet
  bool pending_cr_ = false;       // a CR that may start a CRLF
  bool any_content_ = false;      // something other than blank lines was seen
};

// The relaxed body of a whole string (convenience for tests and small messages).
std::string relaxed_body(std::string_view body);

// RFC 6376 §3.4.2 "relaxed" header canonicalization of one field as it appears in the message
// (name, colon, value, any folding, with or without its final CRLF): lower-case name, unfolded,
// whitespace runs → one SP, no whitespace at the end of the value or around the colon, "\r\n"
// appended.
std::string relaxed_header(std::string_view field);

// One field of a header block, exactly as in the message (with folding, with its CRLF).
struct HeaderField {
  std::string_view name;  // as written (compare case-insensitively), no trailing whitespace
  std::string_view raw;   // the whole field including continuation lines and the final CRLF
};

// The header block of a message: everything up to (not including) the empty line that ends it.
// Returns the length of the header block including the empty line (the offset of the body), or
// std::string_view::npos when `message` holds no complete header block yet.
std::size_t header_end(std::string_view message);

// Splits a header block (as delimited by header_end, the empty line may be included) into
// fields. Lines without a colon that are not continuations are skipped (they cannot be signed).
std::vector<HeaderField> split_header(std::string_view block);

// Picks the fields named in `names`, in that order; for a name given several times, each
// occurrence takes the next instance from the bottom of the header up (RFC 6376 §5.4.2). A
// name with no instance left yields an empty field (signed as the null string: oversigning).
std::vector<std::string_view> select_fields(const std::vector<HeaderField>& fields,
                                            const std::vector<std::string>& names);

// ASCII case-insensitive equality of field names.
bool same_name(std::string_view a, std::string_view b);

}  // namespace tegami_dkim
