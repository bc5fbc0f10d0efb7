#include "imap/parser.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace imap {

namespace {

bool is_ctl(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

// Characters an atom may never contain (RFC 3501 atom-specials without the list wildcards,
// which appear in sequence sets and LIST patterns, and without '\', which starts flags).
bool is_lenient_atom_char(char c) {
  if (is_ctl(c) || static_cast<unsigned char>(c) >= 0x80) return false;
  switch (c) {
    case ' ':
    case '(':
    case ')':
    case '{':
    case '"':
      return false;
    default:
      return true;
  }
}

// The first space-separated word of `raw` if it is a valid tag, else "".
std::string tag_of(std::string_view raw, size_t max_tag) {
  size_t end = 0;
  while (end < raw.size() && end <= max_tag && raw[end] != ' ' && raw[end] != '\r' &&
         raw[end] != '\n') {
    ++end;
  }
  std::string_view tag = raw.substr(0, end);
  if (tag.empty() || tag.size() > max_tag) return "";
  for (char c : tag) {
    if (c == '+' || !(is_atom_char(c) || c == ']')) return "";
  }
  return std::string(tag);
}

class Tokenizer {
 public:
  Tokenizer(std::string_view raw, const ParserLimits& limits) : s_(raw), limits_(limits) {}

  bool parse(Command& out, std::string& error) {
    size_t start = p_;
    while (p_ < s_.size() && s_[p_] != ' ' && s_[p_] != '\r' && s_[p_] != '\n') ++p_;
    out.tag = tag_of(s_.substr(start, p_ - start + 1), limits_.max_tag);
    if (out.tag.empty() || out.tag.size() != p_ - start) return fail(error, "invalid tag");
    if (!eat(' ')) return fail(error, "missing command");
    if (!read_name(out.name)) return fail(error, "invalid command name");
    if (out.name == "UID") {
      std::string sub;
      if (!eat(' ') || !read_name(sub)) return fail(error, "missing UID command");
      out.name += " " + sub;
    }
    if (!parse_list_items(out.args, 0, false, error)) return false;
    return true;
  }

 private:
  bool fail(std::string& error, std::string why) {
    if (error.empty()) error = std::move(why);
    return false;
  }
  bool eat(char c) {
    if (p_ < s_.size() && s_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool at_eol() const {
    return (p_ + 2 == s_.size() && s_[p_] == '\r' && s_[p_ + 1] == '\n') ||
           (p_ + 1 == s_.size() && s_[p_] == '\n');
  }
  bool read_name(std::string& name) {
    size_t start = p_;
    while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '-' ||
                              s_[p_] == '_' || s_[p_] == '.')) {
      ++p_;
    }
    if (p_ == start || p_ - start > 64) return false;
    name.clear();
    for (size_t i = start; i < p_; ++i) {
      name += static_cast<char>(std::toupper(static_cast<unsigned char>(s_[i])));
    }
    return true;
  }

  // Items up to the end of the command (top level) or to ')' (in a list).
  bool parse_list_items(std::vector<Arg>& items, size_t depth, bool in_list, std::string& error) {
    bool first = true;
    while (true) {
      if (in_list && eat(')')) return true;
      if (at_eol()) {
        if (in_list) return fail(error, "unterminated list");
        p_ = s_.size();
        return true;
      }
      if (p_ >= s_.size()) return fail(error, "unexpected end of command");
      if (!first || !in_list) {
        if (!eat(' ')) return fail(error, "expected a space");
      }
      first = false;
      Arg arg;
      if (!parse_item(arg, depth, error)) return false;
      items.push_back(std::move(arg));
    }
  }

  bool parse_item(Arg& arg, size_t depth, std::string& error) {
    if (p_ >= s_.size()) return fail(error, "unexpected end of command");
    char c = s_[p_];
    if (c == '(') {
      if (depth + 1 > limits_.max_depth) return fail(error, "lists nested too deeply");
      ++p_;
      arg.kind = Arg::Kind::kList;
      return parse_list_items(arg.children, depth + 1, true, error);
    }
    if (c == '"') return parse_quoted(arg, error);
    if (c == '{' || (c == '~' && p_ + 1 < s_.size() && s_[p_ + 1] == '{')) {
      return parse_literal(arg, error);
    }
    return parse_atom(arg, error);
  }

  bool parse_quoted(Arg& arg, std::string& error) {
    ++p_;
    arg.kind = Arg::Kind::kQuoted;
    while (p_ < s_.size()) {
      char c = s_[p_++];
      if (c == '"') return true;
      if (c == '\r' || c == '\n' || c == '\0') break;
      if (c == '\\') {
        if (p_ >= s_.size() || (s_[p_] != '"' && s_[p_] != '\\')) {
          return fail(error, "invalid escape in quoted string");
        }
        c = s_[p_++];
      }
      arg.text += c;
    }
    return fail(error, "unterminated quoted string");
  }

  bool parse_literal(Arg& arg, std::string& error) {
    if (s_[p_] == '~') {
      arg.literal8 = true;
      ++p_;
    }
    ++p_;  // '{'
    uint64_t n = 0;
    size_t digits = 0;
    while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') {
      if (++digits > 19) return fail(error, "literal size too large");
      n = n * 10 + static_cast<uint64_t>(s_[p_++] - '0');
    }
    if (digits == 0) return fail(error, "invalid literal size");
    eat('+');
    if (!eat('}')) return fail(error, "invalid literal");
    eat('\r');
    if (!eat('\n')) return fail(error, "literal not at the end of a line");
    if (n > s_.size() - p_) return fail(error, "literal cut short");
    arg.kind = Arg::Kind::kLiteral;
    arg.text.assign(s_.substr(p_, n));
    p_ += n;
    return true;
  }

  bool parse_atom(Arg& arg, std::string& error) {
    size_t start = p_;
    while (p_ < s_.size()) {
      char c = s_[p_];
      if (c == '[') {
        // A section: everything up to the matching ']' on this line belongs to the atom.
        size_t close = p_ + 1;
        while (close < s_.size() && s_[close] != ']' && s_[close] != '\r' && s_[close] != '\n' &&
               s_[close] != '\0') {
          ++close;
        }
        if (close >= s_.size() || s_[close] != ']') return fail(error, "unterminated '['");
        p_ = close + 1;
        continue;
      }
      if (!is_lenient_atom_char(c)) break;
      ++p_;
    }
    if (p_ == start) return fail(error, "unexpected character");
    arg.text.assign(s_.substr(start, p_ - start));
    if (arg.text.size() == 3 && (arg.text[0] | 0x20) == 'n' && (arg.text[1] | 0x20) == 'i' &&
        (arg.text[2] | 0x20) == 'l') {
      arg.kind = Arg::Kind::kNil;
    } else {
      arg.kind = Arg::Kind::kAtom;
    }
    return true;
  }

  std::string_view s_;
  const ParserLimits& limits_;
  size_t p_ = 0;
};

}  // namespace

bool is_atom_char(char c) {
  if (is_ctl(c) || static_cast<unsigned char>(c) >= 0x80) return false;
  switch (c) {
    case ' ':
    case '(':
    case ')':
    case '{':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
      return false;
    default:
      return true;
  }
}

bool parse_command(std::string_view raw, const ParserLimits& limits, Command& out,
                   std::string& error) {
  Tokenizer t(raw, limits);
  return t.parse(out, error);
}

std::string quote_string(std::string_view s) {
  bool quotable = s.size() <= 1024;
  for (char c : s) {
    if (is_ctl(c) || static_cast<unsigned char>(c) >= 0x80) {
      quotable = false;
      break;
    }
  }
  std::string out;
  if (quotable) {
    out.reserve(s.size() + 2);
    out += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
    return out;
  }
  out = "{" + std::to_string(s.size()) + "}\r\n";
  out.append(s);
  return out;
}

namespace {
CommandParser::Result need_more(size_t consumed) {
  CommandParser::Result r;
  r.consumed = consumed;
  return r;
}
}  // namespace

void CommandParser::reset() {
  raw_.clear();
  line_start_ = 0;
  literal_left_ = 0;
  text_bytes_ = 0;
  literal_total_ = 0;
}

CommandParser::Result CommandParser::error(size_t consumed, std::string why, bool fatal) {
  Result r;
  r.kind = Kind::kError;
  r.consumed = consumed;
  r.tag = tag_of(raw_, limits_.max_tag);
  r.error = std::move(why);
  r.fatal = fatal;
  reset();
  return r;
}

CommandParser::Result CommandParser::feed(std::string_view input) {
  size_t pos = 0;
  while (true) {
    if (literal_left_ > 0) {
      size_t n = static_cast<size_t>(
          std::min<uint64_t>(literal_left_, static_cast<uint64_t>(input.size() - pos)));
      raw_.append(input.substr(pos, n));
      pos += n;
      literal_left_ -= n;
      if (literal_left_ > 0) return need_more(pos);
      line_start_ = raw_.size();
    }
    if (pos >= input.size()) return need_more(pos);
    size_t nl = input.find('\n', pos);
    size_t take = (nl == std::string_view::npos ? input.size() : nl + 1) - pos;
    size_t line_len = raw_.size() - line_start_ + take;
    // The limit counts the line without its CRLF.
    if (line_len > limits_.max_line + 2) {
      raw_.append(input.substr(pos, std::min(take, limits_.max_tag + 2)));
      return error(pos + take, "line too long", true);
    }
    if (text_bytes_ + line_len > limits_.max_command + 2) {
      raw_.append(input.substr(pos, std::min(take, limits_.max_tag + 2)));
      return error(pos + take, "command too long", true);
    }
    raw_.append(input.substr(pos, take));
    pos += take;
    if (nl == std::string_view::npos) return need_more(pos);

    // A complete line: raw_[line_start_, end).
    std::string_view line = std::string_view(raw_).substr(line_start_);
    size_t end = line.size() - 1;
    if (end > 0 && line[end - 1] == '\r') --end;
    if (raw_.size() == line.size() && end == 0) {  // an empty line between commands: ignore
      reset();
      continue;
    }
    text_bytes_ += line.size();
    // Does the line end with {N} / {N+} ?
    bool literal = false;
    bool nonsync = false;
    uint64_t n = 0;
    if (end > 0 && line[end - 1] == '}') {
      size_t q = end - 1;
      if (q > 0 && line[q - 1] == '+') {
        nonsync = true;
        --q;
      }
      size_t digits_end = q;
      while (q > 0 && line[q - 1] >= '0' && line[q - 1] <= '9') --q;
      if (q > 0 && line[q - 1] == '{' && digits_end > q) {
        if (digits_end - q > 19) return error(pos, "literal size too large", true);
        literal = true;
        for (size_t i = q; i < digits_end; ++i) n = n * 10 + static_cast<uint64_t>(line[i] - '0');
      }
    }
    if (!literal) {
      Result r;
      std::string why;
      if (!parse_command(raw_, limits_, r.command, why)) return error(pos, why, false);
      r.kind = Kind::kCommand;
      r.consumed = pos;
      reset();
      return r;
    }
    if (nonsync) {
      if (n > limits_.max_literal_nonsync || literal_total_ + n > limits_.max_literal) {
        Result r = error(pos, "literal too large", true);
        r.too_large = true;
        return r;
      }
    } else if (n > limits_.max_literal || literal_total_ + n > limits_.max_literal) {
      // The client waits for "+" and will not send the literal: the stream stays in sync.
      Result r = error(pos, "literal too large", false);
      r.too_large = true;
      return r;
    }
    literal_total_ += n;
    literal_left_ = n;
    line_start_ = raw_.size();
    if (!nonsync) {
      Result r;
      r.kind = Kind::kNeedLiteral;
      r.consumed = pos;
      r.literal = n;
      return r;
    }
  }
}

}  // namespace imap
