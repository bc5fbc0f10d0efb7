// FETCH data items (RFC 3501 section 6.4.5), parsed from the generic arguments. Pure.
//
// A body section is kept as its two halves: the part number ("" for the message, "2.1") and
// what of that part is wanted (the whole part, HEADER, HEADER.FIELDS (...), TEXT, MIME). The
// response name is formatted here too, once, as the server will echo it.
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
    kBodyStructure,  // BODYSTRUCTURE (extensible), and BODY without a section
    kBinary,         // BINARY[part]<partial>, BINARY.PEEK (RFC 3516): `part`, peek, offset
    kBinarySize,     // BINARY.SIZE[part]
    kModseq,         // MODSEQ (RFC 7162)
  };
  Kind kind = Kind::kFlags;
  // kBody:
  enum class Section { kAll, kHeader, kText, kMime, kHeaderFields, kHeaderFieldsNot };
  std::string part;  // dotted part number, "" = the whole message
  Section section = Section::kAll;
  std::vector<std::string> fields;  // HEADER.FIELDS(.NOT), upper case
  bool peek = false;                // does not set \Seen
  std::optional<uint64_t> offset;   // <offset.length>
  uint64_t length = 0;
  std::string response_name;  // "BODY[HEADER]", "RFC822", "BODY[1.2]<0>" ...
  bool extensible = false;    // BODYSTRUCTURE (vs BODY)

  // True when the item needs the message's MIME structure (beyond its size and header).
  bool needs_structure() const;
};

// The items of a FETCH, with macros (ALL, FAST, FULL) expanded and UID added when `uid`.
// nullopt with `error` set when an item is unknown or malformed; `error` says which.
std::optional<std::vector<FetchItem>> parse_fetch_items(const Arg& arg, bool uid,
                                                        std::string& error);

// Parses the inside of BODY[...] ("1.2.HEADER.FIELDS (FROM TO)", upper case) into `item`'s
// part, section and fields. False (with `error`) when it is not a valid section-spec.
bool parse_section(std::string_view spec, FetchItem& item, std::string& error);

}  // namespace imap
