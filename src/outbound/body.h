// The message as it goes on the wire after DATA (RFC 5321 §4.5.2): every line ending CRLF
// (bare LF and bare CR become CRLF), a leading '.' doubled, a CRLF added at the end when the
// message does not end with one, then ".\r\n". Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace tegami::outbound {

struct WireBody {
  std::string bytes;       // ready to send after 354, including the final ".\r\n"
  bool eight_bit = false;  // an octet ≥ 0x80 anywhere (needs BODY=8BITMIME, RFC 6152)
};

WireBody make_wire_body(std::string_view message);

}  // namespace tegami::outbound
