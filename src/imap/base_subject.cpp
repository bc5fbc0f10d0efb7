// RFC 5256 section 2.1, steps 2 to 6, over the sort_text() form (only ' ' is whitespace there).
#include "imap/base_subject.h"

#include "mime/header_decode.h"
#include "mime/search_text.h"

namespace imap {

namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// subj-blob = "[" *BLOBCHAR "]" *WSP at the start of s: its length, 0 if none.
size_t blob_length(std::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  size_t i = 1;
  while (i < s.size() && s[i] != '[' && s[i] != ']') ++i;
  if (i >= s.size() || s[i] != ']') return 0;
  ++i;
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

// subj-refwd = ("RE" / ("FW" ["D"]) / "返信" / "転送") *WSP [subj-blob] ":": its length, 0 if none.
size_t refwd_length(std::string_view s) {
  size_t i = 0;
  if (starts_with(s, "FWD")) {
    i = 3;
  } else if (starts_with(s, "FW") || starts_with(s, "RE")) {
    i = 2;
  } else if (starts_with(s, "返信") || starts_with(s, "転送")) {
    i = 6;  // two 3-byte code points
  } else {
    return 0;
  }
  while (i < s.size() && s[i] == ' ') ++i;
  i += blob_length(s.substr(i));
  if (i < s.size() && s[i] == ':') return i + 1;
  return 0;
}

// subj-leader = (*subj-blob subj-refwd) / WSP: its length, 0 if none. `refwd` is set when a
// reply/forward prefix was part of it.
size_t leader_length(std::string_view s, bool& refwd) {
  if (!s.empty() && s[0] == ' ') return 1;
  size_t i = 0;
  while (true) {
    if (size_t r = refwd_length(s.substr(i))) {
      refwd = true;
      return i + r;
    }
    size_t b = blob_length(s.substr(i));
    if (b == 0) return 0;
    i += b;
  }
}

}  // namespace

std::string sort_text(std::string_view utf8) {
  std::string s = mime::normalize_for_search(utf8);
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return s;
}

BaseSubject base_subject(std::string_view raw) {
  BaseSubject out;
  std::string text = sort_text(mime::decode_header_text(raw));
  std::string_view s = text;
  while (true) {
    // (2) trailing subj-trailer = "(fwd)" / WSP, repeatedly.
    while (true) {
      if (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
      } else if (s.size() >= 5 && s.substr(s.size() - 5) == "(FWD)") {
        s.remove_suffix(5);
        out.reply_or_forward = true;
      } else {
        break;
      }
    }
    // (3)-(5) leading subj-leader, then one subj-blob if something is left after it; repeat.
    bool changed = true;
    while (changed) {
      changed = false;
      while (size_t n = leader_length(s, out.reply_or_forward)) {
        s.remove_prefix(n);
        changed = true;
      }
      size_t b = blob_length(s);
      if (b > 0 && b < s.size()) {
        s.remove_prefix(b);
        changed = true;
      }
    }
    // (6) "[FWD:" ... "]" around the rest: unwrap and start again from (2).
    if (s.size() >= 6 && starts_with(s, "[FWD:") && s.back() == ']') {
      s = s.substr(5, s.size() - 6);
      out.reply_or_forward = true;
      continue;
    }
    break;
  }
  out.text = std::string(s);
  return out;
}

}  // namespace imap
