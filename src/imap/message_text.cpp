#include "imap/message_text.h"

#include <cctype>

namespace imap {

std::string to_crlf(std::string_view data) {
  std::string out;
  out.reserve(data.size() + data.size() / 30);
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) out += '\r';
    out += data[i];
  }
  return out;
}

size_t header_length(std::string_view m) {
  if (m.rfind("\r\n", 0) == 0) return 2;
  size_t p = m.find("\r\n\r\n");
  return p == std::string_view::npos ? m.size() : p + 4;
}

std::string header_fields(std::string_view h, const std::vector<std::string>& names, bool negate) {
  std::string out;
  size_t pos = 0;
  bool keep = false;
  while (pos < h.size()) {
    size_t eol = h.find("\r\n", pos);
    size_t next = eol == std::string_view::npos ? h.size() : eol + 2;
    std::string_view line = h.substr(pos, next - pos);
    if (line == "\r\n") break;
    if (line[0] == ' ' || line[0] == '\t') {
      if (keep) out.append(line);
    } else {
      size_t colon = line.find(':');
      std::string name;
      if (colon != std::string_view::npos) {
        for (char c : line.substr(0, colon)) {
          name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
      }
      bool listed = false;
      for (const std::string& n : names) listed = listed || n == name;
      keep = colon != std::string_view::npos && (listed != negate);
      if (keep) out.append(line);
    }
    pos = next;
  }
  out += "\r\n";
  return out;
}

}  // namespace imap
