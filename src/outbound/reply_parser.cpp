#include "outbound/reply_parser.h"

#include <cctype>

namespace tegami::outbound {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "5.1.1" style: class digit, '.', 1-3 digits, '.', 1-3 digits (RFC 3463 §2).
size_t enhanced_length(std::string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    size_t start = i;
    while (i < s.size() && is_digit(s[i]) && i - start < 3) ++i;
    if (i == start) return 0;
    if (part == 0) {
      if (i >= s.size() || s[i] != '.') return 0;
      ++i;
    }
  }
  if (i < s.size() && s[i] != ' ') return 0;
  return i;
}

}  // namespace

std::string Reply::enhanced() const {
  if (lines.empty()) return "";
  size_t n = enhanced_length(lines.front());
  return n == 0 ? "" : lines.front().substr(0, n);
}

std::string Reply::one_line() const {
  std::string out = std::to_string(code);
  for (size_t i = 0; i < lines.size(); ++i) {
    out += i == 0 ? " " : " / ";
    for (char c : lines[i]) {
      unsigned char u = static_cast<unsigned char>(c);
      out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
  }
  return out;
}

Reply make_reply(int code, std::string_view text) {
  Reply r;
  r.code = code;
  r.lines.emplace_back(text);
  return r;
}

void ReplyParser::reset() {
  partial_ = Reply{};
  partial_bytes_ = 0;
  failed_ = false;
}

ReplyParser::Result ReplyParser::fail(std::string why, size_t consumed) {
  failed_ = true;
  Result r;
  r.kind = Kind::kError;
  r.error = std::move(why);
  r.consumed = consumed;
  return r;
}

ReplyParser::Result ReplyParser::next(std::string_view data) {
  if (failed_) return fail("reply parser already failed", 0);
  size_t pos = 0;
  while (true) {
    size_t lf = data.find('\n', pos);
    if (lf == std::string_view::npos) {
      if (data.size() - pos > limits_.max_line + 1) return fail("reply line too long", pos);
      Result r;
      r.consumed = pos;
      return r;
    }
    std::string_view line = data.substr(pos, lf - pos);
    size_t line_bytes = lf + 1 - pos;
    pos = lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > limits_.max_line) return fail("reply line too long", pos);
    partial_bytes_ += line_bytes;
    if (partial_bytes_ > limits_.max_bytes) return fail("reply longer than the byte limit", pos);
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        line[0] < '2' || line[0] > '5') {
      return fail("malformed reply line", pos);
    }
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-') {
      return fail("malformed reply line", pos);
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!partial_.lines.empty() && code != partial_.code) {
      return fail("reply code changed inside a multi-line reply", pos);
    }
    if (partial_.lines.size() >= limits_.max_lines) {
      return fail("reply has more lines than the limit", pos);
    }
    partial_.code = code;
    partial_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    bool last = line.size() == 3 || line[3] == ' ';
    if (last) {
      Result r;
      r.kind = Kind::kReply;
      r.reply = std::move(partial_);
      r.consumed = pos;
      partial_ = Reply{};
      partial_bytes_ = 0;
      return r;
    }
  }
}

}  // namespace tegami::outbound
