// Message flags in Maildir file names: parse and format, pure functions (no I/O).
//
// A name in cur/ is `<base>:2,<flags>[,<tail>]`:
//   - <base> is the unique name, possibly with `,S=<size>` and `,W=<vsize>` fields
//     (`1035478339.27041_118.foo.org,S=1000,W=1030`). The base is everything before the FIRST
//     ':' of the name; dovecot-uidlist stores and compares exactly this base.
//   - <flags> are single characters: the system flags D F P R S T, keyword letters a-z (index
//     into dovecot-keywords, see keywords.h) and possibly other characters we do not know.
//   - Everything from the first ',' after ":2," (the tail) belongs to someone else and is kept
//     byte for byte when flags change.
//
// Decisions (documented here, tested in tests/unit/maildir/test_flags.cpp):
//   - Unknown flag characters (anything in the flag part other than DFPRST and a-z, e.g. 'Z',
//     '1', '%') are PRESERVED: they are reported in ParsedName::other_flags and written back,
//     merged with the known flags. Dovecot does the same ("unknown flags are kept").
//   - Duplicate flag characters are accepted and collapse to one; output is always sorted in
//     ASCII order without duplicates (so "D" < "F" < ... < "T" < "a" < ... < "z").
//   - A name without ':' has no info: no flags. A name whose info is not "2,..." (e.g. ":1,xyz",
//     ":2" or ":") has no flags; its raw info is reported in ParsedName::info, and formatting
//     new flags for it REPLACES that info with ":2,<flags>" (as Dovecot does), since only
//     version-2 info can carry flags.
//   - ',' inside the base is fine: only `,S=<digits>` and `,W=<digits>` fields are interpreted
//     (the first of each wins); anything else in the base is opaque.
//
// Thread safety: all functions are pure and may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace maildir {

// System flags as bits of MessageFlags::system.
enum SystemFlag : std::uint8_t {
  kFlagDraft = 1 << 0,    // 'D'
  kFlagFlagged = 1 << 1,  // 'F'
  kFlagPassed = 1 << 2,   // 'P' (IMAP has no \Passed; Dovecot maps it to $Forwarded)
  kFlagReplied = 1 << 3,  // 'R' (\Answered)
  kFlagSeen = 1 << 4,     // 'S'
  kFlagTrashed = 1 << 5,  // 'T' (\Deleted)
};
inline constexpr std::uint8_t kAllSystemFlags = 0x3f;

// Number of keyword letters a Maildir file name can carry ('a'..'z').
inline constexpr int kMaxKeywordLetters = 26;

struct MessageFlags {
  std::uint8_t system = 0;     // bits of SystemFlag
  std::uint32_t keywords = 0;  // bit i = keyword letter 'a' + i (index i in dovecot-keywords)

  bool has(SystemFlag f) const { return (system & f) != 0; }
  bool has_keyword(int index) const {
    return index >= 0 && index < kMaxKeywordLetters && ((keywords >> index) & 1u) != 0;
  }
  friend bool operator==(const MessageFlags&, const MessageFlags&) = default;
};

// The parts of a Maildir file name. The string_views point into the name given to
// parse_name() and are valid only as long as that string.
struct ParsedName {
  std::string_view base;               // before the first ':' (the whole name when there is none)
  bool has_info = false;               // the name contains ':'
  bool info_v2 = false;                // the info is ":2,..." (flags are meaningful)
  std::string_view info;               // raw info after the ':' (empty when !has_info)
  MessageFlags flags;                  // known flags from a ":2," info
  std::string other_flags;             // unknown flag characters, sorted, without duplicates
  std::string_view tail;               // from the first ',' after ":2," (including it), or empty
  std::optional<std::uint64_t> size;   // ,S=<size> in the base
  std::optional<std::uint64_t> vsize;  // ,W=<vsize> in the base
};

// Splits `name` (a file name, no directory part). Never fails: every string has a reading.
ParsedName parse_name(std::string_view name);

// The base name: everything before the first ':' (the key of dovecot-uidlist records).
std::string_view base_name(std::string_view name);

// The flag characters for `flags` plus `other_flags`, sorted ASCII, no duplicates, e.g. "FSb".
// Characters of `other_flags` that are ',' or '/' or NUL or system/keyword letters are ignored.
std::string flags_string(const MessageFlags& flags, std::string_view other_flags = {});

// "<base>:2,<flags_string(flags, other_flags)><tail>". REQUIRES: base contains no ':' or '/';
// tail is empty or starts with ','.
std::string format_name(std::string_view base, const MessageFlags& flags,
                        std::string_view other_flags = {}, std::string_view tail = {});

// `name` with its flags replaced by `flags`: keeps the base, the unknown flag characters and
// the tail of the old name. A name without a version-2 info gets ":2,<flags>".
std::string with_flags(std::string_view name, const MessageFlags& flags);

// The letter of a system flag bit ('D' for kFlagDraft, ...), or 0 for anything else.
char system_flag_letter(SystemFlag flag);
// The SystemFlag of a letter 'D','F','P','R','S','T', or 0 for anything else.
std::uint8_t system_flag_of(char letter);

}  // namespace maildir
