// fuzz-links: maildir
// Modified UTF-7: decode is strict (a decoded string re-encodes to exactly the input) and
// encode round trips every valid UTF-8 input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "maildir/mutf7.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  maildir::Result<std::string> decoded = maildir::decode_mutf7(in);
  if (decoded.ok()) {
    maildir::Result<std::string> again = maildir::encode_mutf7(*decoded);
    if (!again.ok() || *again != in) std::abort();  // accepted a non-canonical form
  }

  maildir::Result<std::string> encoded = maildir::encode_mutf7(in);
  if (encoded.ok()) {
    for (char c : *encoded) {
      if (c < 0x20 || c > 0x7e) std::abort();
    }
    maildir::Result<std::string> back = maildir::decode_mutf7(*encoded);
    if (!back.ok() || *back != in) std::abort();
  }
  return 0;
}
