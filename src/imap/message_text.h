// A message's bytes as IMAP sends them: CRLF line ends (files on disk have LF), split into
// header and text, HEADER.FIELDS selection, partial ranges (CrlfWindow converts a stored
// region piece by piece, so a 20 MB body never has to be in memory at once). Pure.
#pragma once

#include <cstdint>
#include <optional>
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
// continuation lines and a CRLF, followed by the blank line when `crlf_header` has one (RFC
// 3501 6.4.5: not for a message that has no body and no blank line).
std::string header_fields(std::string_view crlf_header, const std::vector<std::string>& upper_names,
                          bool negate);

// The partial window <offset.length> of a text of `size` bytes: how many bytes to skip and how
// many to send (0 when the offset is past the end).
struct Window {
  uint64_t skip = 0;
  uint64_t take = 0;
};
Window partial_window(uint64_t size, const std::optional<uint64_t>& offset, uint64_t length);

// Converts stored bytes (LF or CRLF line ends) to CRLF form as they are fed, keeping only the
// output bytes in [skip, skip + take). `prev_cr`: the stored byte just before the region is a
// CR (then a leading LF is not doubled). Not thread-safe; one per stream.
class CrlfWindow {
 public:
  CrlfWindow(bool prev_cr, uint64_t skip, uint64_t take)
      : prev_cr_(prev_cr), skip_(skip), take_(take) {}
  // Appends to `out` what of the conversion of `in` falls in the window.
  void feed(std::string_view in, std::string& out);
  // True once every byte of the window was produced.
  bool done() const { return take_ == 0; }
  // Bytes of the window still to produce.
  uint64_t remaining() const { return take_; }

 private:
  void emit(std::string_view bytes, std::string& out);
  bool prev_cr_;
  uint64_t skip_;
  uint64_t take_;
};

}  // namespace imap
