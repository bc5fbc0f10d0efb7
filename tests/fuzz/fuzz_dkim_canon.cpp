// DKIM relaxed canonicalization: any bytes as a message. The header helpers must not crash or
// run away; the streaming body canonicalizer must give the same bytes whatever the split, and
// its output must be canonical (no trailing whitespace, no empty lines at the end, CRLF only).
// fuzz-links: tegami_dkim_canon
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dkim/canon.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t end = tegami_dkim::header_end(in);
  std::string_view head = in.substr(0, end == std::string_view::npos ? in.size() : end);
  auto fields = tegami_dkim::split_header(head);
  for (const auto& f : fields) {
    std::string c = tegami_dkim::relaxed_header(f.raw);
    if (c.size() < 3 || c.compare(c.size() - 2, 2, "\r\n") != 0) std::abort();
  }
  (void)tegami_dkim::select_fields(fields, {"from", "to", "from", "subject"});

  std::string whole = tegami_dkim::relaxed_body(in);
  std::size_t step = size == 0 ? 1 : (data[0] % 7) + 1;
  tegami_dkim::RelaxedBody b;
  std::string dripped;
  for (std::size_t i = 0; i < size; i += step) b.feed(in.substr(i, step), dripped);
  b.finish(dripped);
  if (dripped != whole) std::abort();
  if (!whole.empty()) {
    if (whole.size() < 2 || whole.compare(whole.size() - 2, 2, "\r\n") != 0) std::abort();
    if (whole.size() >= 4 && whole.compare(whole.size() - 4, 4, "\r\n\r\n") == 0) std::abort();
    if (whole.find(" \r\n") != std::string::npos || whole.find("  ") != std::string::npos)
      std::abort();
  }
  return 0;
}
