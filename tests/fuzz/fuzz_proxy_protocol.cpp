// Fuzzes the PROXY protocol parser: never crash, never claim more bytes than given, and a
// header found in the whole input is found the same (same length) by every longer prefix,
// with kNeedMore for every shorter one that is not an error (the incremental contract).
// fuzz-links: tegami_net
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/proxy_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto whole = net::proxy::parse(in);
  if (whole.outcome == net::proxy::Outcome::kDone) {
    if (whole.length == 0 || whole.length > size || whole.length > net::proxy::kMaxHeaderBytes) {
      abort();
    }
    if (!whole.header.local && (!whole.header.source || !whole.header.destination)) abort();
    // Any prefix shorter than the header needs more; the exact header parses the same.
    for (size_t n = 0; n < whole.length; ++n) {
      if (net::proxy::parse(in.substr(0, n)).outcome != net::proxy::Outcome::kNeedMore) abort();
    }
    auto exact = net::proxy::parse(in.substr(0, whole.length));
    if (exact.outcome != net::proxy::Outcome::kDone || exact.length != whole.length) abort();
  } else if (whole.outcome == net::proxy::Outcome::kNeedMore) {
    if (size > net::proxy::kMaxHeaderBytes) abort();  // must have decided by then
  }
  return 0;
}
