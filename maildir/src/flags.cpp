#include "maildir/flags.h"

#include <array>

namespace maildir {

namespace {

// System flag letters in ASCII order, with their bits.
constexpr std::array<std::pair<char, std::uint8_t>, 6> kSystemLetters{{
    {'D', kFlagDraft},
    {'F', kFlagFlagged},
    {'P', kFlagPassed},
    {'R', kFlagReplied},
    {'S', kFlagSeen},
    {'T', kFlagTrashed},
}};

bool is_keyword_letter(char c) {
  return c >= 'a' && c <= 'z';
}

// A character that may stand in the flag part as an "unknown flag" we carry along.
bool is_other_flag(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7f && c != ',' && c != '/' && c != ':' && system_flag_of(c) == 0 &&
         !is_keyword_letter(c);
}

// Parses the digits of a `,X=<digits>` field value; nullopt on empty, non-digit or overflow.
std::optional<std::uint64_t> parse_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

char system_flag_letter(SystemFlag flag) {
  for (auto [letter, bit] : kSystemLetters) {
    if (bit == flag) return letter;
  }
  return 0;
}

std::uint8_t system_flag_of(char letter) {
  for (auto [l, bit] : kSystemLetters) {
    if (l == letter) return bit;
  }
  return 0;
}

std::string_view base_name(std::string_view name) {
  std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(0, colon);
}

ParsedName parse_name(std::string_view name) {
  ParsedName out;
  std::size_t colon = name.find(':');
  if (colon == std::string_view::npos) {
    out.base = name;
  } else {
    out.base = name.substr(0, colon);
    out.has_info = true;
    out.info = name.substr(colon + 1);
  }

  // ,S=<size> and ,W=<vsize> fields of the base (the first of each wins).
  std::string_view rest = out.base;
  std::size_t comma = rest.find(',');
  while (comma != std::string_view::npos) {
    rest = rest.substr(comma + 1);
    std::size_t next = rest.find(',');
    std::string_view field = rest.substr(0, next);
    if (field.size() >= 2 && field[1] == '=') {
      if (field[0] == 'S' && !out.size) out.size = parse_number(field.substr(2));
      if (field[0] == 'W' && !out.vsize) out.vsize = parse_number(field.substr(2));
    }
    comma = next;
  }

  if (out.info.size() >= 2 && out.info[0] == '2' && out.info[1] == ',') {
    out.info_v2 = true;
    std::string_view flags = out.info.substr(2);
    std::size_t tail = flags.find(',');
    if (tail != std::string_view::npos) {
      out.tail = flags.substr(tail);
      flags = flags.substr(0, tail);
    }
    std::array<bool, 256> other_seen{};
    for (char c : flags) {
      if (std::uint8_t bit = system_flag_of(c)) {
        out.flags.system |= bit;
      } else if (is_keyword_letter(c)) {
        out.flags.keywords |= 1u << (c - 'a');
      } else if (is_other_flag(c)) {
        other_seen[static_cast<unsigned char>(c)] = true;
      }
      // Anything else (control characters, ':', '/') cannot be written back: dropped.
    }
    for (int c = 0; c < 256; ++c) {
      if (other_seen[c]) out.other_flags += static_cast<char>(c);
    }
  }
  return out;
}

std::string flags_string(const MessageFlags& flags, std::string_view other_flags) {
  std::array<bool, 256> present{};
  for (auto [letter, bit] : kSystemLetters) {
    if ((flags.system & bit) != 0) present[static_cast<unsigned char>(letter)] = true;
  }
  for (int i = 0; i < kMaxKeywordLetters; ++i) {
    if (((flags.keywords >> i) & 1u) != 0) present['a' + i] = true;
  }
  for (char c : other_flags) {
    if (is_other_flag(c)) present[static_cast<unsigned char>(c)] = true;
  }
  std::string out;
  for (int c = 0; c < 256; ++c) {
    if (present[c]) out += static_cast<char>(c);
  }
  return out;
}

std::string format_name(std::string_view base, const MessageFlags& flags,
                        std::string_view other_flags, std::string_view tail) {
  std::string out;
  out.reserve(base.size() + 3 + 8 + tail.size());
  out.append(base);
  out.append(":2,");
  out.append(flags_string(flags, other_flags));
  out.append(tail);
  return out;
}

std::string with_flags(std::string_view name, const MessageFlags& flags) {
  ParsedName parsed = parse_name(name);
  return format_name(parsed.base, flags, parsed.other_flags, parsed.tail);
}

}  // namespace maildir
