// The IMAP SEARCH program (RFC 3501 section 6.4.4) as a tree, and its pure parser.
//
// parse_search_program() turns the generic arguments of SEARCH / UID SEARCH into a SearchKey
// tree: the top level is an AND of its keys, parenthesised lists are ANDs, NOT has one child,
// OR two. The optional leading `CHARSET <name>` decides how string arguments are read: they are
// converted to UTF-8 (mime/charset.h) so every text key holds UTF-8; an unknown charset is
// reported as kBadCharset (answer NO [BADCHARSET (...)]), any other problem as kSyntax (BAD).
//
// Bounded: at most kMaxSearchDepth nested NOT/OR/lists and kMaxSearchKeys keys in all, so a
// hostile program cannot blow the stack or the memory; each text key at most kMaxSearchText
// bytes. Pure: no I/O, no session state; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/parser.h"
#include "imap/sequence_set.h"

namespace imap {

inline constexpr size_t kMaxSearchDepth = 64;
inline constexpr size_t kMaxSearchKeys = 2000;
inline constexpr size_t kMaxSearchText = 16 * 1024;

struct SearchKey {
  enum class Kind {
    kAnd,         // children, all must match (empty: ALL)
    kOr,          // two children
    kNot,         // one child
    kSequence,    // `set` of sequence numbers
    kUid,         // `set` of UIDs
    kFlag,        // system flag bit `flag` (maildir::SystemFlag) is set
    kKeyword,     // keyword `text` is set
    kRecent,      // \Recent
    kLarger,      // RFC822.SIZE > number
    kSmaller,     // RFC822.SIZE < number
    kBefore,      // internal date < day  (days since 1970-01-01)
    kOn,          // internal date on day
    kSince,       // internal date >= day
    kSentBefore,  // Date: header, as written (time and zone ignored)
    kSentOn,
    kSentSince,
    kHeader,   // header field `field` contains `text` ("" = field present)
    kAddress,  // address header `field` (From To Cc Bcc) contains `text`
    kBody,     // decoded body text contains `text`
    kText,     // header or decoded body text contains `text`
    kSaved,    // `$` or `UID $` (RFC 5182): the UIDs in `uids` (bind_search_context)
    kOlder,    // WITHIN (RFC 5032): internal date <= `cutoff` (now - `number` seconds)
    kYounger,  // internal date >= `cutoff`
    kModseq,   // the message's modseq >= number (RFC 7162; an entry name is accepted, the
               // message's modseq stands for every entry)
  };
  Kind kind = Kind::kAnd;
  std::vector<SearchKey> children;
  SequenceSet set;                  // kSequence, kUid
  std::uint8_t flag = 0;            // kFlag
  std::uint64_t number = 0;         // kLarger/kSmaller: the size
  std::int64_t day = 0;             // date keys: days since 1970-01-01
  std::string field;                // kHeader/kAddress: field name as given
  std::string text;                 // UTF-8 (kKeyword: the keyword as given)
  std::vector<std::uint32_t> uids;  // kSaved: ascending; empty until bound (matches nothing)
  std::int64_t cutoff = 0;          // kOlder/kYounger: epoch seconds, set when bound
};

struct SearchProgram {
  SearchKey root;       // kAnd of the keys
  std::string charset;  // as given after CHARSET ("" if none)
};

struct SearchParseError {
  enum class Kind { kNone, kSyntax, kBadCharset } kind = Kind::kNone;
  std::string message;
};

// Parses args[first..] as a search program. On failure returns false with `error` set.
bool parse_search_program(const std::vector<Arg>& args, size_t first, SearchProgram& out,
                          SearchParseError& error);

// True when the tree has a MODSEQ key (a CONDSTORE enabling SEARCH).
bool uses_modseq(const SearchKey& key);

// The charsets SEARCH accepts, as advertised in NO [BADCHARSET (...)].
std::string_view search_charsets();

// "1-Feb-1994" (RFC 3501 date-text, day 1 or 2 digits, month any case) → days since
// 1970-01-01; false when malformed or out of range (years 1900..9999).
bool parse_search_date(std::string_view text, std::int64_t& days);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

}  // namespace imap
