// Fuzzes the delivery journal's segment reader (what recovery reads after a crash): never
// crash, never read past the input or allocate beyond it, and every record it accepts encodes
// back to exactly the bytes it was read from.
// fuzz-links: tegami_delivery
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "delivery/journal_record.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string why;
  auto records = tegami_delivery::decode_journal_segment(in, 1 << 20, why);
  std::uint64_t id = 0;
  if (records.empty()) return 0;
  check(tegami_delivery::decode_journal_header(in, id));
  std::string again = tegami_delivery::encode_journal_header(id);
  for (const auto& r : records) {
    check(!r.targets.empty());
    again += tegami_delivery::encode_journal_record(id, r.targets, r.message);
  }
  check(again.size() <= in.size());
  check(in.substr(0, again.size()) == again);
  return 0;
}
