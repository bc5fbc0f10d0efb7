#include "outbound/downgrade.h"

#include <algorithm>
#include <vector>

#include "mime/parser.h"

namespace tegami::outbound {
namespace {

constexpr size_t kMaxQpLine = 76;  // including the '=' of a soft break

bool has_8bit(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool identity_encoding(std::string_view cte) {
  return cte.empty() || mime::iequals(cte, "7bit") || mime::iequals(cte, "8bit") ||
         mime::iequals(cte, "binary");
}

// `header` (ending with its empty line, or not when the part has no body separator) with every
// Content-Transfer-Encoding field removed and "Content-Transfer-Encoding: <cte>" (and, when
// asked, "MIME-Version: 1.0" if missing) added at its end.
std::string rewrite_header(std::string_view header, std::string_view cte, bool mime_version) {
  std::vector<std::string_view> lines;
  size_t i = 0;
  while (i < header.size()) {
    size_t lf = header.find('\n', i);
    size_t end = lf == std::string_view::npos ? header.size() : lf + 1;
    lines.push_back(header.substr(i, end - i));
    i = end;
  }
  std::string out;
  bool dropping = false, has_version = false;
  size_t body_sep = lines.size();
  for (size_t k = 0; k < lines.size(); ++k) {
    std::string_view l = lines[k];
    if (l == "\r\n" || l == "\n") {
      body_sep = k;
      break;
    }
    bool continuation = l[0] == ' ' || l[0] == '\t';
    if (!continuation) {
      size_t colon = l.find(':');
      std::string_view name = colon == std::string_view::npos ? l : l.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      dropping = mime::iequals(name, "Content-Transfer-Encoding");
      has_version = has_version || mime::iequals(name, "MIME-Version");
    }
    if (!dropping) {
      out.append(l);
      if (out.back() != '\n') out += "\r\n";
    }
  }
  if (mime_version && !has_version) out += "MIME-Version: 1.0\r\n";
  out += "Content-Transfer-Encoding: ";
  out.append(cte);
  out += "\r\n";
  for (size_t k = body_sep; k < lines.size(); ++k) out.append(lines[k]);
  return out;
}

struct Edit {
  size_t offset = 0;
  size_t length = 0;
  std::string text;
};

}  // namespace

std::string encode_quoted_printable(std::string_view data) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(data.size() + data.size() / 4 + 16);
  size_t col = 0;
  auto put = [&](std::string_view token) {
    if (col + token.size() > kMaxQpLine - 1) {
      out += "=\r\n";
      col = 0;
    }
    out.append(token);
    col += token.size();
  };
  for (size_t i = 0; i < data.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(data[i]);
    if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
      out += "\r\n";
      col = 0;
      ++i;
      continue;
    }
    bool line_end =
        i + 1 == data.size() || (data[i + 1] == '\r' && i + 2 < data.size() && data[i + 2] == '\n');
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end);
    if (literal) {
      char ch = static_cast<char>(c);
      put(std::string_view(&ch, 1));
    } else {
      char esc[3] = {'=', kHex[c >> 4], kHex[c & 15]};
      put(std::string_view(esc, 3));
    }
  }
  return out;
}

std::optional<std::string> downgrade_to_7bit(std::string_view message) {
  if (!has_8bit(message)) return std::string(message);
  mime::Structure s = mime::parse(message);
  if (s.limited || s.parts.empty()) return std::nullopt;
  std::vector<Edit> edits;
  std::vector<bool> converted(s.parts.size(), false);
  // Leaves first (pre-order list: children come after their parent, so walk backwards).
  for (size_t k = s.parts.size(); k-- > 0;) {
    const mime::Part& p = s.parts[k];
    std::string_view header = message.substr(p.header_offset, p.header.lf);
    std::string_view body = message.substr(p.body_offset, p.body.lf);
    if (has_8bit(header)) return std::nullopt;
    bool container = p.is_multipart() || p.is_message();
    if (!container) {
      if (!has_8bit(body)) continue;
      if (!identity_encoding(p.encoding)) return std::nullopt;
      edits.push_back({p.body_offset, p.body.lf, encode_quoted_printable(body)});
      edits.push_back({p.header_offset, p.header.lf,
                       rewrite_header(header, "quoted-printable", p.parent == mime::Part::kNone)});
      converted[k] = true;
    } else {
      bool any = false;
      for (uint32_t c = p.first_child; c != mime::Part::kNone; c = s.parts[c].next_sibling)
        any = any || converted[c];
      converted[k] = any;
      if (any && !p.encoding.empty() && !mime::iequals(p.encoding, "7bit"))
        edits.push_back({p.header_offset, p.header.lf, rewrite_header(header, "7bit", false)});
    }
  }
  std::sort(edits.begin(), edits.end(),
            [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
  std::string out;
  out.reserve(message.size() + message.size() / 4);
  size_t at = 0;
  for (const Edit& e : edits) {
    if (e.offset < at) return std::nullopt;  // overlapping regions: not a shape we expect
    out.append(message.substr(at, e.offset - at));
    out += e.text;
    at = e.offset + e.length;
  }
  out.append(message.substr(at));
  if (has_8bit(out)) return std::nullopt;  // 8-bit octets outside any part body
  return out;
}

}  // namespace tegami::outbound
