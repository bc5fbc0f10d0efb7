// Internal to the maildir library: the dovecot-uidlist line parser shared by the pure
// functions (uidlist_format.cpp) and the UidList class (uidlist.cpp). Not a public header.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "maildir/uidlist.h"

namespace maildir::uidlist_internal {

// The highest UID we store: 2^32-1 is not a valid UID for Dovecot.
inline constexpr std::uint32_t kMaxUid = std::numeric_limits<std::uint32_t>::max() - 1;

// 'A'-'Z': the keys of record extension fields.
inline bool is_ext_key(char c) {
  return c >= 'A' && c <= 'Z';
}

// Decimal uint32 that is the whole of `s`; nullopt on empty, junk or overflow.
std::optional<std::uint32_t> parse_u32(std::string_view s);

// Extension fields we can write: space-separated tokens, each starting with 'A'-'Z', no empty
// token, no line breaks.
bool valid_fields(std::string_view fields);

// A file base name we can store in a record line (non-empty, no '/', CR, LF or NUL).
bool storable_base(std::string_view base);

// Parses complete lines of `content` into `out` (ascending UIDs after `prev_uid`), stopping
// before a trailing partial line; damaged lines are counted in `skipped`. Returns the bytes
// consumed. `max_uid` grows to the highest UID that starts any line, even a damaged one: that
// UID may have been shown to a client, so next_uid must pass it.
std::size_t parse_lines(std::string_view content, int version, std::uint32_t& prev_uid,
                        std::size_t existing, std::vector<UidRecord>& out, std::size_t& skipped,
                        bool& needs_rewrite, std::uint32_t& max_uid);

// Removes earlier records whose base reappears from index `first_new` on (the later, higher
// UID wins, as in Dovecot). `index` maps base -> UID for records before `first_new` and is
// updated for all records.
void merge_duplicates(std::vector<UidRecord>& records, std::size_t first_new, UidBaseIndex& index,
                      std::size_t& skipped, bool& needs_rewrite);

// parse_uidlist() that fills `index` (base → UID of the returned records) as it goes, so a
// caller that needs the index does not build it twice.
ParsedUidList parse_uidlist_indexed(std::string_view content, UidBaseIndex& index);

}  // namespace maildir::uidlist_internal
