#include "outbound/body.h"

namespace tegami::outbound {

WireBody make_wire_body(std::string_view message) {
  WireBody out;
  out.bytes.reserve(message.size() + message.size() / 64 + 8);
  bool line_start = true;
  for (size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (static_cast<unsigned char>(c) >= 0x80) out.eight_bit = true;
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      out.bytes += "\r\n";
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out.bytes += '.';
    out.bytes += c;
    line_start = false;
  }
  if (!line_start) out.bytes += "\r\n";
  out.bytes += ".\r\n";
  return out;
}

}  // namespace tegami::outbound
