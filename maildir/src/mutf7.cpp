// Modified UTF-7 (RFC 3501 section 5.1.3). See mutf7.h for the canonical form.
#include "maildir/mutf7.h"

#include <cstdint>
#include <optional>

namespace maildir {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

bool is_direct(uint32_t cp) {
  return cp >= 0x20 && cp <= 0x7e;
}

Status invalid(std::string what, size_t offset) {
  return Status(Code::kInvalidName,
                "modified UTF-7: " + what + " at byte " + std::to_string(offset));
}

// Decodes one UTF-8 code point at s[i], advancing i; nullopt if invalid.
std::optional<uint32_t> next_utf8(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  size_t len;
  uint32_t cp;
  uint32_t min;
  if ((c & 0xe0) == 0xc0) {
    len = 2, cp = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, cp = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + len > s.size()) return std::nullopt;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
  i += len;
  return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Appends the base64 of UTF-16BE units, closing with '-'.
class SectionWriter {
 public:
  explicit SectionWriter(std::string& out) : out_(out) { out_ += '&'; }
  void unit(uint16_t u) {
    bits_ = (bits_ << 16) | u;
    nbits_ += 16;
    while (nbits_ >= 6) {
      nbits_ -= 6;
      out_ += kAlphabet[(bits_ >> nbits_) & 0x3f];
    }
  }
  void code_point(uint32_t cp) {
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(static_cast<uint16_t>(0xd800 | (cp >> 10)));
      unit(static_cast<uint16_t>(0xdc00 | (cp & 0x3ff)));
    } else {
      unit(static_cast<uint16_t>(cp));
    }
  }
  void close() {
    if (nbits_ > 0) out_ += kAlphabet[(bits_ << (6 - nbits_)) & 0x3f];
    out_ += '-';
  }

 private:
  std::string& out_;
  uint32_t bits_ = 0;
  int nbits_ = 0;
};

}  // namespace

Result<std::string> encode_mutf7(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 8);
  size_t i = 0;
  while (i < utf8.size()) {
    size_t start = i;
    std::optional<uint32_t> cp = next_utf8(utf8, i);
    if (!cp) {
      return Status(Code::kInvalidName, "invalid UTF-8 at byte " + std::to_string(start));
    }
    if (is_direct(*cp)) {
      out += static_cast<char>(*cp);
      if (*cp == '&') out += '-';
      continue;
    }
    SectionWriter section(out);
    section.code_point(*cp);
    while (i < utf8.size()) {
      size_t before = i;
      std::optional<uint32_t> next = next_utf8(utf8, i);
      if (!next) {
        return Status(Code::kInvalidName, "invalid UTF-8 at byte " + std::to_string(before));
      }
      if (is_direct(*next)) {
        i = before;
        break;
      }
      section.code_point(*next);
    }
    section.close();
  }
  return out;
}

Result<std::string> decode_mutf7(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  bool previous_was_section = false;  // a base64 section ended right before i
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 || c > 0x7e) return invalid("byte outside printable ASCII", i);
    if (c != '&') {
      out += static_cast<char>(c);
      ++i;
      previous_was_section = false;
      continue;
    }
    size_t section_start = i;
    ++i;
    if (i < in.size() && in[i] == '-') {
      out += '&';
      ++i;
      previous_was_section = false;
      continue;
    }
    if (previous_was_section) return invalid("two encoded sections back to back", section_start);
    uint32_t bits = 0;
    int nbits = 0;
    uint16_t high = 0;  // pending high surrogate
    size_t units = 0;
    bool closed = false;
    while (i < in.size()) {
      unsigned char b = static_cast<unsigned char>(in[i]);
      if (b == '-') {
        closed = true;
        break;
      }
      int v = base64_value(b);
      if (v < 0) return invalid("character outside the modified base64 alphabet", i);
      bits = (bits << 6) | static_cast<uint32_t>(v);
      nbits += 6;
      ++i;
      if (nbits < 16) continue;
      nbits -= 16;
      uint16_t u = static_cast<uint16_t>((bits >> nbits) & 0xffff);
      bits &= (1u << nbits) - 1;
      ++units;
      if (high != 0) {
        if (u < 0xdc00 || u > 0xdfff) return invalid("unpaired high surrogate", i);
        uint32_t cp = 0x10000 + ((static_cast<uint32_t>(high) - 0xd800) << 10) + (u - 0xdc00);
        high = 0;
        append_utf8(out, cp);
      } else if (u >= 0xd800 && u <= 0xdbff) {
        high = u;
      } else if (u >= 0xdc00 && u <= 0xdfff) {
        return invalid("unpaired low surrogate", i);
      } else if (is_direct(u)) {
        return invalid("printable ASCII encoded in base64", i);
      } else {
        append_utf8(out, u);
      }
    }
    if (!closed) return invalid("'&' section not closed by '-'", section_start);
    if (units == 0) return invalid("empty encoded section", section_start);
    if (high != 0) return invalid("unpaired high surrogate", i);
    if (nbits >= 6) return invalid("base64 not a whole number of UTF-16 units", i);
    if (bits != 0) return invalid("non-zero padding bits", i);
    ++i;  // '-'
    previous_was_section = true;
  }
  return out;
}

}  // namespace maildir
