#include "imap/search_result.h"

#include "imap/esearch.h"
#include "imap/selected_box.h"
#include "mime/structure.h"

namespace imap {

std::optional<SequenceSet> sequence_set_arg(const SelectedBox& box, const Arg& arg, bool uid) {
  if (arg.kind != Arg::Kind::kAtom) return std::nullopt;
  if (arg.text != "$") return parse_sequence_set(arg.text);
  if (uid) return sequence_set_from(box.saved_result);
  std::vector<std::uint32_t> seqs;
  seqs.reserve(box.saved_result.size());
  for (std::uint32_t u : box.saved_result) {
    std::uint32_t seq = seq_of(box, u);
    if (seq != 0) seqs.push_back(seq);  // expunged (and reported) messages drop out
  }
  return sequence_set_from(seqs);
}

void bind_search_context(SearchKey& key, const std::vector<std::uint32_t>& saved,
                         std::int64_t now) {
  switch (key.kind) {
    case SearchKey::Kind::kSaved:
      key.uids = saved;
      break;
    case SearchKey::Kind::kOlder:
    case SearchKey::Kind::kYounger:
      key.cutoff = now - static_cast<std::int64_t>(key.number);
      break;
    default:
      break;
  }
  for (SearchKey& c : key.children) bind_search_context(c, saved, now);
}

std::vector<std::uint32_t> saved_selection(unsigned options,
                                           const std::vector<std::uint32_t>& hits) {
  bool minmax = (options & (kEsearchMin | kEsearchMax)) != 0;
  bool all = (options & (kEsearchAll | kEsearchCount)) != 0;
  if (!minmax || all || hits.empty()) return hits;
  std::vector<std::uint32_t> out;
  if (options & kEsearchMin) out.push_back(hits.front());
  if ((options & kEsearchMax) && (out.empty() || out.back() != hits.back()))
    out.push_back(hits.back());
  return out;
}

bool return_list_has_save(const Arg& arg) {
  if (arg.kind != Arg::Kind::kList) return false;
  for (const Arg& a : arg.children) {
    if (a.kind == Arg::Kind::kAtom && mime::iequals(a.text, "SAVE")) return true;
  }
  return false;
}

}  // namespace imap
