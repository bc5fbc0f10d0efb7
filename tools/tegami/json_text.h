// A JSON string literal for the hand-written `--json` outputs of the admin commands.
#pragma once

#include <cstdio>
#include <string>

namespace tegami_cli {

// `s` quoted, with `"` and `\` escaped and control characters as \u00XX.
inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace tegami_cli
