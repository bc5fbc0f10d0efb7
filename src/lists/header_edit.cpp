#include "lists/header_edit.h"

namespace tegami_lists {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool HeaderField::is(std::string_view field_name) const {
  return iequals(name, field_name);
}

std::string HeaderField::value() const {
  size_t colon = raw.find(':');
  if (colon == std::string::npos || name.empty()) return {};
  std::string out;
  for (size_t i = colon + 1; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\r' || c == '\n') continue;
    out += c;
  }
  size_t b = out.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  size_t e = out.find_last_not_of(" \t");
  return out.substr(b, e - b + 1);
}

namespace {

// Length of the line starting at `pos` including its line end (CRLF or LF).
size_t line_length(std::string_view m, size_t pos) {
  size_t nl = m.find('\n', pos);
  return nl == std::string_view::npos ? m.size() - pos : nl + 1 - pos;
}

bool blank_line(std::string_view line) {
  return line == "\r\n" || line == "\n";
}

}  // namespace

SplitMessage split_header(std::string_view m) {
  SplitMessage out;
  size_t pos = 0;
  while (pos < m.size()) {
    std::string_view line = m.substr(pos, line_length(m, pos));
    if (blank_line(line)) {
      out.body = m.substr(pos);
      return out;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.fields.empty()) {
      out.fields.back().raw.append(line);
      pos += line.size();
      continue;
    }
    HeaderField f;
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      std::string_view name = line.substr(0, colon);
      bool ok = true;
      for (char c : name)
        if (c <= ' ' || c > '~') ok = false;  // RFC 5322 ftext
      if (ok) f.name = std::string(name);
    }
    f.raw = std::string(line);
    out.fields.push_back(std::move(f));
    pos += line.size();
  }
  return out;
}

}  // namespace tegami_lists
