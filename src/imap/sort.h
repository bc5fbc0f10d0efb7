// SORT (RFC 5256 section 3, with DISPLAYFROM and DISPLAYTO of RFC 5957): the criteria parser,
// the per-message sort keys and the ordering. THREAD (thread.h) uses the same per-message data.
//
// Keys: ARRIVAL (internal date), CC / FROM / TO (addr-mailbox of the first address; a group's
// name when the list starts with a group), DATE (the
// Date: header in UTC; the internal date when it is missing or unparsable), SIZE (RFC822.SIZE),
// SUBJECT (base subject, base_subject.h), DISPLAYFROM / DISPLAYTO (the decoded display name of
// the first address, else its mailbox@host). REVERSE flips the key after it. Strings compare in
// sort_text() form; messages equal in every key keep their sequence order.
//
// Pure: no I/O; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/esearch.h"
#include "imap/parser.h"

namespace imap {

enum class SortKey { kArrival, kCc, kDate, kFrom, kSize, kSubject, kTo, kDisplayFrom, kDisplayTo };

struct SortCriterion {
  SortKey key = SortKey::kArrival;
  bool reverse = false;
};

// Parses the parenthesised criteria list of SORT. False with `error` set on a syntax error
// (not a list, empty, unknown key, REVERSE without a key after it).
bool parse_sort_criteria(const Arg& list, std::vector<SortCriterion>& out, std::string& error);

// The header fields sorting and threading read, raw as in the header (unfolded or not).
struct SortHeader {
  std::string date, subject, from, to, cc, message_id, in_reply_to, references;
  bool has_references = false;
};

// A SortHeader as stored in the folder's tegami-cache.sort (maildir/message_cache.h): the byte
// 1, then date, subject, from, to, cc, message_id, in_reply_to and references, each as a
// 4-byte little-endian length and its bytes. decode_sort_header refuses anything else (false).
std::string encode_sort_header(const SortHeader& h);
bool decode_sort_header(std::string_view blob, SortHeader& h);

// What SORT and THREAD know about one message. Text fields are in sort_text() form and only
// filled for the keys asked for (see make_sort_message).
struct SortMessage {
  std::uint32_t seq = 0;
  std::uint32_t uid = 0;
  std::int64_t arrival = 0;  // internal date, seconds since the epoch
  std::int64_t sent = 0;     // Date: in UTC, else the internal date
  std::uint64_t size = 0;
  std::string subject;  // base subject
  bool reply_or_forward = false;
  std::string from, to, cc, display_from, display_to;
  std::string message_id;               // THREAD=REFERENCES: "<...>" or ""
  std::vector<std::string> references;  // THREAD=REFERENCES: parents, oldest first
};

// Which derived fields to compute: bits (1 << SortKey) plus kNeedThreadIds.
inline constexpr unsigned kNeedThreadIds = 1u << 16;
inline constexpr unsigned sort_need(SortKey k) {
  return 1u << static_cast<unsigned>(k);
}

SortMessage make_sort_message(std::uint32_t seq, std::uint32_t uid, std::int64_t arrival,
                              std::uint64_t size, const SortHeader& header, unsigned need);

// RFC 5322 date-time (lenient: optional weekday, 2- to 4-digit year, optional seconds,
// numeric or RFC 822 named zone, trailing comment) → seconds since the epoch in UTC.
std::optional<std::int64_t> parse_sent_time(std::string_view date);

// The msg-ids ("<...>") of a References / In-Reply-To value, in order; text outside angle
// brackets (phrases, comments) is skipped. At most `max` ids (the last ones are kept).
std::vector<std::string> parse_msg_ids(std::string_view value, size_t max = 1000);

// The value of the first `name` field (case-insensitive) of a header block, unfolded (line
// breaks before continuation whitespace removed) and trimmed; "" if absent.
std::string header_field(std::string_view header, std::string_view name);

// Indexes into `msgs` in SORT order. The pointer form sorts messages owned elsewhere (the
// session's key cache) without copying them; none may be null.
std::vector<size_t> sort_messages(const std::vector<const SortMessage*>& msgs,
                                  const std::vector<SortCriterion>& criteria);
std::vector<size_t> sort_messages(const std::vector<SortMessage>& msgs,
                                  const std::vector<SortCriterion>& criteria);

// sort_messages(msgs, criteria) as uint32 indexes, given `known`: the order sort_messages gave
// msgs[0 .. known.size()) under the same criteria with the same sequence numbers. REQUIRES:
// every later message has a higher sequence number than those (new mail at the end of the
// view). The later messages are sorted alone and merged in: O(n) plus their own sort.
std::vector<std::uint32_t> extend_sort(const std::vector<const SortMessage*>& msgs,
                                       const std::vector<SortCriterion>& criteria,
                                       const std::vector<std::uint32_t>& known);

// ESORT (RFC 5267 section 3): the items of the `* ESEARCH` answer to `SORT RETURN (options)`
// after its `(TAG "t")`, with CRLF — ` [UID] MIN n MAX n ALL set COUNT n [MODSEQ m]` from the
// numbers in sort order: MIN and MAX are the first and last in sort order, ALL lists them in
// sort order (esort_set). With no match only COUNT 0 (as ESEARCH). `modseq` 0: no MODSEQ.
// `options`: esearch.h bits; SAVE alone gives "".
std::string esort_response(bool uid, unsigned options, const std::vector<std::uint32_t>& ordered,
                           std::uint64_t modseq);
// The numbers in the order given as a sequence set: runs of consecutive ascending numbers
// become "a:b" (a < b), everything else stays in place ("5,1:3,9"); "" for none.
std::string esort_set(const std::vector<std::uint32_t>& ordered);
// SEARCHRES with ESORT (RFC 5182 section 2.4): the UIDs `$` keeps after `SORT RETURN (SAVE
// ...)`, ascending — the first and/or last in sort order when MIN and/or MAX come without
// ALL and COUNT, else all. `ordered_uids` in sort order.
std::vector<std::uint32_t> esort_saved_result(unsigned options,
                                              std::vector<std::uint32_t> ordered_uids);

// Appends the decimal form of `n` and nothing else (no allocation beyond `out`'s growth): the
// SORT and THREAD answers are thousands of numbers.
void append_number(std::string& out, std::uint64_t n);

}  // namespace imap
