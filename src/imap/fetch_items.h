// FETCH data items (RFC 3501 section 6.4.5), parsed from the generic arguments. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "imap/parser.h"

namespace imap {

struct FetchItem {
  enum class Kind {
    kFlags,
    kUid,
    kInternalDate,
    kRfc822Size,
    kBody,  // BODY[section]<partial>, BODY.PEEK, RFC822, RFC822.HEADER, RFC822.TEXT
    kEnvelope,
    kBodyStructure,  // BODYSTRUCTURE, and BODY without a section
  };
  Kind kind = Kind::kFlags;
  // kBody:
  enum class Section { kAll, kHeader, kText, kHeaderFields, kHeaderFieldsNot };
  Section section = Section::kAll;
  std::vector<std::string> fields;  // HEADER.FIELDS(.NOT), upper case
  bool peek = false;                // does not set \Seen
  std::optional<uint64_t> offset;   // <offset.length>
  uint64_t length = 0;
  std::string response_name;  // "BODY[HEADER]", "RFC822", "BODY[]<0>" ...
  bool extensible = false;    // BODYSTRUCTURE (vs BODY)
};

// The items of a FETCH, with macros (ALL, FAST, FULL) expanded and UID added when `uid`.
// nullopt with `error` set when an item is unknown or malformed; `error` says which.
std::optional<std::vector<FetchItem>> parse_fetch_items(const Arg& arg, bool uid,
                                                        std::string& error);

}  // namespace imap
