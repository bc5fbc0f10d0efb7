// Fuzzes the dovecot-uidlist parser: never crash, bounded work, and the invariants the
// mailbox view relies on (ascending UIDs, unique base names, next_uid above every UID), plus
// "what we write, we read back identically".
// fuzz-links: maildir
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "maildir/uidlist.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  maildir::ParsedUidList p = maildir::parse_uidlist(input);
  check(p.consumed <= input.size());
  if (!p.header_ok) {
    check(p.records.empty());
    return 0;
  }
  std::set<std::string> bases;
  std::uint32_t prev = 0;
  for (const auto& r : p.records) {
    check(r.uid > prev);
    prev = r.uid;
    check(bases.insert(r.base).second);
    check(!r.base.empty());
  }
  check(p.header.next_uid > prev);

  // Reading in two steps (a reader catching up with appended lines) gives the same list as
  // reading at once, for a split at any line boundary after the header.
  if (size > 0) {
    std::size_t split = input.find('\n', (data[0] * 131u) % size);
    std::size_t header_end = input.find('\n') + 1;
    if (split != std::string_view::npos && split + 1 >= header_end && split + 1 <= p.consumed) {
      maildir::ParsedUidList first = maildir::parse_uidlist(input.substr(0, split + 1));
      check(first.header_ok);
      maildir::parse_uidlist_records(input.substr(split + 1, p.consumed - split - 1),
                                     first.header.version, first);
      check(first.records.size() == p.records.size());
      for (std::size_t i = 0; i < p.records.size(); ++i) {
        check(first.records[i].uid == p.records[i].uid);
        check(first.records[i].base == p.records[i].base);
      }
      check(first.header.next_uid == p.header.next_uid);
      check(first.consumed == p.consumed);
    }
  }

  if (p.header.guid.empty()) p.header.guid = std::string(32, '0');
  std::string out = maildir::format_uidlist_header(p.header);
  for (const auto& r : p.records) out += maildir::format_uidlist_record(r);
  maildir::ParsedUidList again = maildir::parse_uidlist(out);
  check(again.header_ok);
  check(!again.needs_rewrite);
  check(again.consumed == out.size());
  check(again.header.uid_validity == p.header.uid_validity);
  check(again.header.next_uid == p.header.next_uid);
  check(again.header.extra == p.header.extra);
  check(again.records.size() == p.records.size());
  for (std::size_t i = 0; i < p.records.size(); ++i) {
    check(again.records[i].uid == p.records[i].uid);
    check(again.records[i].base == p.records[i].base);
    check(again.records[i].fields == p.records[i].fields);
  }
  return 0;
}
