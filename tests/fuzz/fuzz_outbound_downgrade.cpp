// The 8-bit → 7-bit downgrade (outbound/downgrade.h) on arbitrary messages: never crashes, and
// what it returns is 7-bit clean.
// fuzz-links: tegami_outbound_parser
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outbound/downgrade.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto out = tegami::outbound::downgrade_to_7bit(in);
  if (out) {
    for (char c : *out)
      if (static_cast<unsigned char>(c) >= 0x80) std::abort();
  }
  return 0;
}
