#include "config/quantity.h"

#include <cctype>
#include <limits>
#include <string>

namespace tegami::config {

namespace {

// Splits "  50 MB " into 50 and "mb". False when the number part is not a plain unsigned
// integer (no sign, no fraction, no exponent) or overflows.
bool split_number(std::string_view text, std::uint64_t& number, std::string& unit) {
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  size_t start = i;
  std::uint64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    n = n * 10 + digit;
    ++i;
  }
  if (i == start) return false;
  while (i < text.size() && text[i] == ' ') ++i;
  unit.clear();
  while (i < text.size() && text[i] != ' ') {
    unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
    ++i;
  }
  while (i < text.size() && text[i] == ' ') ++i;
  if (i != text.size()) return false;
  number = n;
  return true;
}

std::optional<std::uint64_t> scale(std::uint64_t n, std::uint64_t factor) {
  if (factor != 0 && n > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
  return n * factor;
}

}  // namespace

std::optional<std::uint64_t> parse_megabytes(std::string_view text) {
  std::uint64_t n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  if (unit.empty() || unit == "mb" || unit == "m") return n;
  if (unit == "gb" || unit == "g") return scale(n, 1024);
  if (unit == "tb" || unit == "t") return scale(n, 1024 * 1024);
  return std::nullopt;
}

std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  std::uint64_t n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  if (unit.empty() || unit == "b") return n;
  if (unit == "kb" || unit == "k") return scale(n, 1024);
  if (unit == "mb" || unit == "m") return scale(n, 1024 * 1024);
  if (unit == "gb" || unit == "g") return scale(n, 1024ull * 1024 * 1024);
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::int64_t bare_unit_ms) {
  std::uint64_t n = 0;
  std::string unit;
  if (!split_number(text, n, unit)) return std::nullopt;
  std::uint64_t factor = 0;
  if (unit.empty())
    factor = static_cast<std::uint64_t>(bare_unit_ms);
  else if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m")
    factor = 60 * 1000;
  else if (unit == "h")
    factor = 3600 * 1000;
  else if (unit == "d")
    factor = 86400 * 1000;
  else
    return std::nullopt;
  auto ms = scale(n, factor);
  if (!ms || *ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 2)) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

}  // namespace tegami::config
