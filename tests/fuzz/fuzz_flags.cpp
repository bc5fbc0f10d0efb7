// Fuzzes the Maildir file name parser: never crash, and formatting what was parsed gives a
// name that parses to the same base, flags, unknown flags and tail.
// fuzz-links: maildir
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "maildir/flags.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view name(reinterpret_cast<const char*>(data), size);
  maildir::ParsedName p = maildir::parse_name(name);
  check(p.base == maildir::base_name(name));
  check(p.base.find(':') == std::string_view::npos);
  check(p.tail.empty() || p.tail[0] == ',');
  check((p.flags.system & ~maildir::kAllSystemFlags) == 0);
  check(p.flags.keywords < (1u << maildir::kMaxKeywordLetters));
  if (!p.info_v2) check(p.flags.system == 0 && p.flags.keywords == 0 && p.other_flags.empty());

  std::string formatted = maildir::format_name(p.base, p.flags, p.other_flags, p.tail);
  maildir::ParsedName q = maildir::parse_name(formatted);
  check(q.base == p.base);
  check(q.info_v2);
  check(q.flags == p.flags);
  check(q.other_flags == p.other_flags);
  check(q.tail == p.tail);
  check(q.size == p.size && q.vsize == p.vsize);
  // Setting the same flags again changes nothing.
  check(maildir::with_flags(formatted, q.flags) == formatted);
  return 0;
}
