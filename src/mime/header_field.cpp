#include "mime/header_field.h"

namespace mime::detail {

namespace {
bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_tspecial(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
      return true;
    default:
      return false;
  }
}
}  // namespace

size_t skip_cfws(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (is_ws(s[i])) {
      ++i;
    } else if (s[i] == '(') {
      int depth = 0;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '\\' && i < s.size()) {
          ++i;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')') {
          if (--depth == 0) break;
        }
      }
    } else {
      break;
    }
  }
  return i;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

namespace {
// A token (RFC 2045) from s[i]; stops at tspecials, whitespace and controls.
std::string read_token(std::string_view s, size_t& i) {
  size_t b = i;
  while (i < s.size() && !is_ws(s[i]) && !is_tspecial(s[i]) &&
         static_cast<unsigned char>(s[i]) > 31)
    ++i;
  return std::string(s.substr(b, i - b));
}
std::string read_quoted(std::string_view s, size_t& i) {
  std::string out;
  ++i;  // opening quote
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    if (s[i] != '\r' && s[i] != '\n') out += s[i];
    ++i;
  }
  if (i < s.size()) ++i;
  return out;
}
}  // namespace

void parse_value_params(std::string_view v, std::string& head, std::vector<Param>& params) {
  size_t i = skip_cfws(v, 0);
  head.clear();
  // head: tokens and '/' until ';'
  while (i < v.size() && v[i] != ';') {
    if (v[i] == '/') {
      head += '/';
      ++i;
    } else if (v[i] == '(' || is_ws(v[i])) {
      i = skip_cfws(v, i);
    } else if (v[i] == '"') {
      head += read_quoted(v, i);
    } else {
      std::string t = read_token(v, i);
      if (t.empty()) {
        ++i;  // stray special: skip
      } else {
        head += t;
      }
    }
  }
  while (i < v.size()) {
    // at ';' (or junk); skip separators
    while (i < v.size() && (v[i] == ';' || is_ws(v[i]) || v[i] == '(')) {
      if (v[i] == '(') {
        i = skip_cfws(v, i);
      } else {
        ++i;
      }
    }
    if (i >= v.size()) break;
    std::string name = read_token(v, i);
    i = skip_cfws(v, i);
    if (name.empty() || i >= v.size() || v[i] != '=') {
      // not a parameter: skip to the next ';'
      while (i < v.size() && v[i] != ';') ++i;
      continue;
    }
    ++i;
    i = skip_cfws(v, i);
    std::string value;
    if (i < v.size() && v[i] == '"') {
      value = read_quoted(v, i);
    } else {
      size_t b = i;
      while (i < v.size() && v[i] != ';' && !is_ws(v[i])) ++i;
      value = std::string(v.substr(b, i - b));
    }
    params.push_back(Param{std::move(name), std::move(value)});
    while (i < v.size() && v[i] != ';') ++i;
  }
}

}  // namespace mime::detail
