#include "lists/subject.h"

#include <cstdio>

#include "mime/charset.h"
#include "mime/header_decode.h"

namespace tegami_lists {

namespace {

char lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}

// Leading blank space: ASCII SP/HT and U+3000 IDEOGRAPHIC SPACE.
size_t skip_blank(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
    } else if (starts_with(s.substr(i), "\xE3\x80\x80")) {
      i += 3;
    } else {
      break;
    }
  }
  return i;
}

// One of the given UTF-8 spellings at s[i]; returns its length or 0.
size_t one_of(std::string_view s, size_t i, std::initializer_list<std::string_view> options) {
  for (std::string_view o : options)
    if (starts_with(s.substr(i), o)) return o.size();
  return 0;
}

// A reply prefix at the start of `s`: length or 0.
size_t match_reply(std::string_view s) {
  size_t i = 0;
  size_t n = one_of(s, i, {"\xE8\xBF\x94\xE4\xBF\xA1"});  // 返信
  if (n == 0) {
    n = one_of(s, i, {"R", "r", "\xEF\xBC\xB2", "\xEF\xBD\x92"});  // R r Ｒ ｒ
    if (n == 0) return 0;
    i += n;
    n = one_of(s, i, {"E", "e", "\xEF\xBC\xA5", "\xEF\xBD\x85"});  // E e Ｅ ｅ
    if (n == 0) return 0;
    i += n;
    // Re[2]: Re^2: (counters from old clients)
    if (i < s.size() && (s[i] == '[' || s[i] == '^')) {
      char open = s[i];
      size_t j = i + 1;
      while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
      if (j == i + 1) return 0;
      if (open == '[') {
        if (j >= s.size() || s[j] != ']') return 0;
        ++j;
      }
      i = j;
    }
    n = 0;
  }
  i += n;
  // "Re :" appears from some clients too.
  size_t k = i;
  while (k < s.size() && s[k] == ' ') ++k;
  size_t colon = one_of(s, k, {":", "\xEF\xBC\x9A"});  // : or ：
  if (colon == 0) return 0;
  return k + colon;
}

std::string base64(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  while (i + 2 < in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
    i += 3;
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Length of the UTF-8 sequence starting with byte `c` (1 for stray bytes).
size_t utf8_len(unsigned char c) {
  if (c >= 0xF0 && c < 0xF8) return 4;
  if (c >= 0xE0) return c < 0xF0 ? 3 : 1;
  if (c >= 0xC0) return 2;
  return 1;
}

bool all_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// The charset of the first RFC 2047 word of a raw header value ("" when none).
std::string first_word_charset(std::string_view raw) {
  size_t p = 0;
  while ((p = raw.find("=?", p)) != std::string_view::npos) {
    size_t q = raw.find('?', p + 2);
    if (q == std::string_view::npos) return {};
    if (q + 2 < raw.size() && raw[q + 2] == '?' &&
        (raw[q + 1] == 'B' || raw[q + 1] == 'b' || raw[q + 1] == 'Q' || raw[q + 1] == 'q')) {
      std::string cs(raw.substr(p + 2, q - p - 2));
      size_t star = cs.find('*');  // RFC 2231 language suffix
      if (star != std::string::npos) cs.resize(star);
      return cs;
    }
    p += 2;
  }
  return {};
}

}  // namespace

std::string format_tag(std::string_view format, std::string_view tag, std::uint64_t serial) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    size_t j = i + 1;
    while (j < format.size() && (format[j] == '0' || format[j] == '-')) ++j;
    while (j < format.size() && format[j] >= '0' && format[j] <= '9') ++j;
    if (j >= format.size()) {
      out.append(format.substr(i));
      break;
    }
    std::string_view flags = format.substr(i + 1, j - i - 1);
    if (format[j] == 'n' && flags.size() <= 3) {
      char spec[16];
      std::snprintf(spec, sizeof spec, "%%%.*sllu", static_cast<int>(flags.size()), flags.data());
      char buf[64];
      std::snprintf(buf, sizeof buf, spec, static_cast<unsigned long long>(serial));
      out += buf;
    } else if (format[j] == 't' && flags.empty()) {
      out.append(tag);
    } else if (format[j] == '%' && flags.empty()) {
      out += '%';
    } else {
      out.append(format.substr(i, j - i + 1));
    }
    i = j;
  }
  return out;
}

std::size_t match_tag(std::string_view text, std::string_view format, std::string_view tag) {
  size_t t = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      size_t j = i + 1;
      while (j < format.size() && (format[j] == '0' || format[j] == '-')) ++j;
      while (j < format.size() && format[j] >= '0' && format[j] <= '9') ++j;
      if (j < format.size() && format[j] == 'n') {
        while (t < text.size() && text[t] == ' ') ++t;  // %5n pads with spaces
        size_t digits = t;
        while (t < text.size() && text[t] >= '0' && text[t] <= '9') ++t;
        if (t == digits) return 0;
        i = j;
        continue;
      }
      if (j == i + 1 && format[j] == 't') {
        if (text.size() - t < tag.size()) return 0;
        for (size_t k = 0; k < tag.size(); ++k)
          if (lower_ascii(text[t + k]) != lower_ascii(tag[k])) return 0;
        t += tag.size();
        i = j;
        continue;
      }
      if (j == i + 1 && format[j] == '%') {
        if (t >= text.size() || text[t] != '%') return 0;
        ++t;
        i = j;
        continue;
      }
    }
    if (t >= text.size() || text[t] != format[i]) return 0;
    ++t;
  }
  return t;
}

StrippedSubject strip_subject(std::string_view s, std::string_view format, std::string_view tag) {
  StrippedSubject out;
  size_t i = skip_blank(s, 0);
  while (i < s.size()) {
    std::string_view rest = s.substr(i);
    if (size_t n = match_tag(rest, format, tag); n > 0) {
      i = skip_blank(s, i + n);
      continue;
    }
    if (size_t n = match_reply(rest); n > 0) {
      out.reply = true;
      i = skip_blank(s, i + n);
      continue;
    }
    break;
  }
  out.rest = std::string(s.substr(i));
  return out;
}

// A charset name fit to be written into an encoded word (RFC 2047 §2 token, at most 40
// characters), or "".
std::string clean_charset(std::string_view cs) {
  if (cs.empty() || cs.size() > 40) return {};
  for (char c : cs) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'+-^_`{}~").find(c) != std::string_view::npos;
    if (!ok) return {};
  }
  return std::string(cs);
}

std::string encode_words(std::string_view utf8, std::string_view charset) {
  std::string cs = clean_charset(charset);
  if (cs.empty()) cs = "UTF-8";
  if (!mime::charset_known(cs) || !mime::from_utf8(cs, utf8)) cs = "UTF-8";
  const size_t overhead = 2 + cs.size() + 3 + 2;  // =? cs ?B? ... ?=
  const size_t max_bytes = overhead >= 75 ? 3 : (75 - overhead) / 4 * 3;
  std::string out;
  size_t i = 0;
  while (i < utf8.size()) {
    // Grow the chunk by whole characters while its conversion fits in one word.
    size_t end = i;
    std::string best;
    while (end < utf8.size()) {
      size_t next = std::min(utf8.size(), end + utf8_len(static_cast<unsigned char>(utf8[end])));
      auto conv = mime::from_utf8(cs, utf8.substr(i, next - i));
      if (!conv || (conv->size() > max_bytes && end > i)) break;
      best = std::move(*conv);
      end = next;
    }
    if (end == i) {  // not convertible at all (cannot happen after the check above): skip a byte
      ++i;
      continue;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?" + cs + "?B?" + base64(best) + "?=";
    i = end;
  }
  return out;
}

std::string tag_subject(std::string_view raw_value, std::string_view format, std::string_view tag,
                        std::string_view tag_text) {
  std::string decoded = mime::decode_header_text(raw_value);
  StrippedSubject s = strip_subject(decoded, format, tag);
  std::string prefix(tag_text);
  if (s.reply) prefix += prefix.empty() ? "Re:" : " Re:";
  if (s.rest.empty()) return prefix;
  bool had_words = !first_word_charset(raw_value).empty();
  if (all_ascii(s.rest) && all_ascii(prefix) && s.rest.find("=?") == std::string::npos)
    return prefix.empty() ? s.rest : prefix + " " + s.rest;
  if (!had_words && !all_ascii(raw_value) && mime::valid_utf8(raw_value))
    return prefix.empty() ? s.rest : prefix + " " + s.rest;  // raw UTF-8 stays raw (RFC 6532)
  std::string cs = had_words ? first_word_charset(raw_value) : "UTF-8";
  std::string words;
  if (all_ascii(prefix)) {
    words = encode_words(s.rest, cs);
    return prefix.empty() ? words : prefix + "\r\n " + words;
  }
  return encode_words(prefix + " " + s.rest, cs);
}

}  // namespace tegami_lists
