#include "imap/esearch.h"

namespace imap {

bool parse_return_options(const Arg& list, unsigned& options, std::string& error) {
  options = 0;
  if (list.kind != Arg::Kind::kList) {
    error = "RETURN needs a list of options";
    return false;
  }
  for (const Arg& a : list.children) {
    std::string name = a.kind == Arg::Kind::kAtom ? a.text : std::string();
    for (char& c : name) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    if (name == "MIN") {
      options |= kEsearchMin;
    } else if (name == "MAX") {
      options |= kEsearchMax;
    } else if (name == "ALL") {
      options |= kEsearchAll;
    } else if (name == "COUNT") {
      options |= kEsearchCount;
    } else if (name == "SAVE") {
      options |= kEsearchSave;
    } else {
      error = "Unknown RETURN option";
      return false;
    }
  }
  if (options == 0) options = kEsearchAll;  // RETURN () is RETURN (ALL)
  return true;
}

std::string compact_set(const std::vector<std::uint32_t>& v) {
  std::string out;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(v[i]);
    if (j > i) out += ':' + std::to_string(v[j]);
    i = j + 1;
  }
  return out;
}

std::string esearch_response(std::string_view tag, bool uid, unsigned options,
                             const std::vector<std::uint32_t>& hits) {
  if (options == kEsearchSave) return {};
  std::string line = "* ESEARCH (TAG \"";
  line.append(tag);
  line += "\")";
  if (uid) line += " UID";
  if (!hits.empty()) {
    if (options & kEsearchMin) line += " MIN " + std::to_string(hits.front());
    if (options & kEsearchMax) line += " MAX " + std::to_string(hits.back());
    if (options & kEsearchAll) line += " ALL " + compact_set(hits);
  }
  if (options & kEsearchCount) line += " COUNT " + std::to_string(hits.size());
  return line + "\r\n";
}

}  // namespace imap
