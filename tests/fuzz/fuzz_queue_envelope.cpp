// Fuzzes the queue envelope parser (env/<id> files): never crash, bounded work, and "what we
// write, we read back identically": an accepted file, formatted again with its current state
// lines, parses to the same entry.
// fuzz-links: tegami_queue
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "queue/envelope.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto entry = tegami_queue::parse_envelope(input, "fuzz");
  if (!entry.ok()) {
    check(entry.status().code() == maildir::Code::kCorrupt);
    return 0;
  }
  check(!entry->recipients.empty());
  auto text = tegami_queue::format_envelope(entry->envelope, entry->recipients);
  check(text.ok());
  std::string full = *text;
  for (std::size_t i = 0; i < entry->recipients.size(); ++i)
    full += tegami_queue::format_state(i, entry->recipients[i]);
  auto again = tegami_queue::parse_envelope(full, "fuzz");
  check(again.ok());
  check(again->envelope == entry->envelope);
  check(again->recipients == entry->recipients);
  return 0;
}
