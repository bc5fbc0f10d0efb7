#include "imap/sequence_set.h"

#include <algorithm>
#include <iterator>

namespace imap {

namespace {

bool parse_number(std::string_view s, uint32_t& out) {
  if (s == "*") {
    out = kStar;
    return true;
  }
  if (s.empty() || s.size() > 10 || s[0] == '0') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v >= kStar) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

bool SequenceSet::contains(uint32_t n, uint32_t largest) const {
  if (normalized) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), n,
                               [](uint32_t v, const SeqRange& r) { return v < r.lo; });
    return it != ranges.begin() && n <= std::prev(it)->hi;
  }
  for (const SeqRange& r : ranges) {
    uint32_t a = r.lo == kStar ? largest : r.lo;
    uint32_t b = r.hi == kStar ? largest : r.hi;
    if (a == 0 || b == 0) continue;
    if (a > b) std::swap(a, b);
    if (n >= a && n <= b) return true;
  }
  return false;
}

SequenceSet sequence_set_from(const std::vector<uint32_t>& v) {
  SequenceSet set;
  set.normalized = true;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    set.ranges.push_back(SeqRange{v[i], v[j]});
    i = j + 1;
  }
  return set;
}

std::optional<SequenceSet> parse_sequence_set(std::string_view text) {
  SequenceSet set;
  if (text.empty()) return std::nullopt;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item =
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (set.ranges.size() >= 10000) return std::nullopt;
    SeqRange r;
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      if (!parse_number(item, r.lo)) return std::nullopt;
      r.hi = r.lo;
    } else if (!parse_number(item.substr(0, colon), r.lo) ||
               !parse_number(item.substr(colon + 1), r.hi)) {
      return std::nullopt;
    }
    set.ranges.push_back(r);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return set;
}

}  // namespace imap
