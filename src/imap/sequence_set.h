// IMAP sequence sets (RFC 3501 sequence-set): "1:3,7,9:*". Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace imap {

// One range lo..hi as written (lo may exceed hi: "5:2" means 2..5). kStar stands for '*'.
struct SeqRange {
  uint32_t lo = 0;
  uint32_t hi = 0;
};
inline constexpr uint32_t kStar = UINT32_MAX;

struct SequenceSet {
  std::vector<SeqRange> ranges;
  // Ranges ascending, disjoint, lo <= hi, no '*' (as sequence_set_from() builds them):
  // contains() binary-searches instead of walking every range.
  bool normalized = false;

  // True if `n` is in the set, '*' being `largest` (the highest sequence number or UID in
  // use; with an empty mailbox pass 0, and '*' then matches nothing).
  bool contains(uint32_t n, uint32_t largest) const;
};

// The set of the ascending numbers `ascending`, runs joined, normalized.
SequenceSet sequence_set_from(const std::vector<uint32_t>& ascending);

// nullopt on a syntax error: empty, 0, numbers above 2^32-1, stray characters. At most
// 10,000 ranges.
std::optional<SequenceSet> parse_sequence_set(std::string_view text);

}  // namespace imap
