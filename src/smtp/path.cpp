#include "smtp/path.h"

namespace tegami_smtp {

namespace {

bool is_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// RFC 5322 atext, plus any byte >= 0x80 (RFC 6531 UTF8-non-ascii; checked as UTF-8 later).
bool is_atext(unsigned char c) {
  if (is_alpha(c) || is_digit(c) || c >= 0x80) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_ldh(unsigned char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c >= 0x80;
}

Reply bad(PathRole role, std::string text) {
  if (role == PathRole::kReversePath)
    return Reply{501, "5.1.7", "Bad sender address syntax: " + text};
  return Reply{501, "5.1.3", "Bad recipient address syntax: " + text};
}

// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]. Returns the length
// read (0 = not a domain). A final "." is left for the caller (trailing dot).
size_t read_domain(std::string_view s) {
  size_t i = 0, end = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && is_ldh(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start || s[start] == '-' || s[i - 1] == '-') return end;
    end = i;
    if (i + 1 < s.size() && s[i] == '.' && is_ldh(static_cast<unsigned char>(s[i + 1]))) {
      ++i;
      continue;
    }
    return end;
  }
}

// "[" ... "]" with printable ASCII except "[", "\", "]" inside (RFC 5321 address literals,
// checked loosely: the server never routes to a literal anyway).
size_t read_literal(std::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  for (size_t i = 1; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c == ']') return i > 1 ? i + 1 : 0;
    if (c < 33 || c > 126 || c == '[' || c == '\\') return 0;
  }
  return 0;
}

}  // namespace

bool valid_utf8_text(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    int n;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
    } else
      return false;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      unsigned char cc = s[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
      return false;
    i += n + 1;
  }
  return true;
}

std::string Path::address() const {
  if (null) return "";
  bool needs_quote = local.empty();
  size_t i = 0;
  while (i < local.size() && !needs_quote) {
    if (!is_atext(static_cast<unsigned char>(local[i])) &&
        !(local[i] == '.' && i > 0 && i + 1 < local.size() && local[i + 1] != '.'))
      needs_quote = true;
    ++i;
  }
  std::string out;
  if (needs_quote) {
    out += '"';
    for (char c : local) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else {
    out = local;
  }
  out += '@';
  out += domain;
  return out;
}

std::variant<ParsedPath, Reply> parse_path(std::string_view s, PathRole role) {
  ParsedPath r;
  if (s.empty() || s[0] != '<') return bad(role, "expected '<'");
  size_t i = 1;
  if (i < s.size() && s[i] == '>') {
    if (role == PathRole::kForwardPath) return bad(role, "empty recipient");
    r.path.null = true;
    r.used = 2;
    return r;
  }
  // A-d-l = At-domain *( "," At-domain ) ":" — accepted, marked.
  if (i < s.size() && s[i] == '@') {
    while (true) {
      if (i >= s.size() || s[i] != '@') return bad(role, "bad source route");
      ++i;
      size_t n = read_domain(s.substr(i));
      if (n == 0) n = read_literal(s.substr(i));
      if (n == 0) return bad(role, "bad source route");
      i += n;
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == ':') {
        ++i;
        break;
      }
      return bad(role, "bad source route");
    }
    r.path.source_route = true;
  }
  // Local-part = Dot-string / Quoted-string
  if (i < s.size() && s[i] == '"') {
    r.path.quoted = true;
    ++i;
    while (true) {
      if (i >= s.size()) return bad(role, "unterminated quoted string");
      unsigned char c = s[i];
      if (c == '"') {
        ++i;
        break;
      }
      if (c == '\\') {
        if (i + 1 >= s.size()) return bad(role, "unterminated quoted string");
        unsigned char q = s[i + 1];
        if (q < 32 || q > 126) return bad(role, "bad quoted pair");
        r.path.local += static_cast<char>(q);
        i += 2;
        continue;
      }
      // qtextSMTP = %d32-33 / %d35-91 / %d93-126 (and UTF-8)
      if ((c < 32 || c == 127)) return bad(role, "control character");
      r.path.local += static_cast<char>(c);
      ++i;
    }
  } else {
    size_t start = i;
    while (i < s.size()) {
      unsigned char c = s[i];
      if (is_atext(c)) {
        ++i;
      } else if (c == '.' && i > start && i + 1 < s.size() &&
                 is_atext(static_cast<unsigned char>(s[i + 1]))) {
        ++i;
      } else {
        break;
      }
    }
    if (i == start) return bad(role, "empty local part");
    r.path.local = std::string(s.substr(start, i - start));
  }
  if (r.path.local.size() > 64 * 4) return bad(role, "local part too long");
  if (i >= s.size() || s[i] != '@') return bad(role, "expected '@domain'");
  ++i;
  size_t n = read_literal(s.substr(i));
  if (n > 0) {
    r.path.address_literal = true;
  } else {
    n = read_domain(s.substr(i));
    if (n == 0) return bad(role, "bad domain");
  }
  r.path.domain = std::string(s.substr(i, n));
  i += n;
  if (!r.path.address_literal && i < s.size() && s[i] == '.') {
    r.path.trailing_dot = true;
    ++i;
  }
  if (i >= s.size() || s[i] != '>') return bad(role, "expected '>'");
  r.used = i + 1;
  if (r.path.domain.size() > 255) return bad(role, "domain too long");
  if (!valid_utf8_text(r.path.local) || !valid_utf8_text(r.path.domain))
    return bad(role, "invalid characters");
  for (unsigned char c : r.path.local + r.path.domain)
    if (c >= 0x80) r.path.utf8 = true;
  return r;
}

std::optional<std::string> relay_trick(const Path& p) {
  if (p.source_route) return "source routes are not accepted";
  if (p.trailing_dot) return "trailing dot in domain";
  if (p.local.find('%') != std::string::npos) return "percent hack is not accepted";
  if (p.local.find('!') != std::string::npos) return "bang paths are not accepted";
  if (p.local.find('@') != std::string::npos) return "'@' in the local part";
  return std::nullopt;
}

}  // namespace tegami_smtp
