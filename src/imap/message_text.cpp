#include "imap/message_text.h"

#include <algorithm>
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
  bool blank_line = false;
  while (pos < h.size()) {
    size_t eol = h.find("\r\n", pos);
    size_t next = eol == std::string_view::npos ? h.size() : eol + 2;
    std::string_view line = h.substr(pos, next - pos);
    if (line == "\r\n") {
      blank_line = true;
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      // a continuation line belongs to the field before it
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
    }
    if (keep) {
      out.append(line);
      if (eol == std::string_view::npos) out += "\r\n";  // the file ended inside the header
    }
    pos = next;
  }
  // RFC 3501 6.4.5: the blank line is included in all header fetches, except in the case of
  // a message which has no body and no blank line.
  if (blank_line) out += "\r\n";
  return out;
}

Window partial_window(uint64_t size, const std::optional<uint64_t>& offset, uint64_t length) {
  if (!offset) return Window{0, size};
  if (*offset >= size) return Window{size, 0};
  return Window{*offset, std::min<uint64_t>(length, size - *offset)};
}

void CrlfWindow::emit(std::string_view bytes, std::string& out) {
  if (skip_ >= bytes.size()) {
    skip_ -= bytes.size();
    return;
  }
  bytes.remove_prefix(static_cast<size_t>(skip_));
  skip_ = 0;
  size_t n = static_cast<size_t>(std::min<uint64_t>(take_, bytes.size()));
  out.append(bytes.data(), n);
  take_ -= n;
}

void CrlfWindow::feed(std::string_view in, std::string& out) {
  while (!in.empty() && take_ > 0) {
    size_t lf = in.find('\n');
    if (lf == std::string_view::npos) {
      emit(in, out);
      prev_cr_ = in.back() == '\r';
      return;
    }
    bool cr_before = lf > 0 ? in[lf - 1] == '\r' : prev_cr_;
    emit(in.substr(0, lf), out);
    emit(cr_before ? "\n" : "\r\n", out);
    prev_cr_ = false;
    in.remove_prefix(lf + 1);
  }
}

}  // namespace imap
