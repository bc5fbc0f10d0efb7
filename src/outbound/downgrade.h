// 8-bit → 7-bit conversion for a server without 8BITMIME (RFC 6152 §3: "convert the message
// to 7 bits ... or return it as undeliverable"). Every leaf MIME part whose body has an octet
// ≥ 0x80 is re-encoded as quoted-printable (RFC 2045 §6.7) and its Content-Transfer-Encoding
// becomes quoted-printable; multipart and message/rfc822 parts that said 8bit/binary say 7bit.
// The message keeps its structure and every other byte; a MIME-Version field is added to the
// top header when the top part is converted and it had none.
//
// Not convertible (nullopt; the caller bounces with 5.6.3): 8-bit octets in a header block
// (they would need RFC 2047 rewriting of addresses), in a part already declared base64 or
// quoted-printable, outside any part (preamble/epilogue), or a structure the MIME parser had
// to cut short. Pure; any thread. Input: the message with CRLF line ends (as queued).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tegami::outbound {

std::optional<std::string> downgrade_to_7bit(std::string_view message);

// Quoted-printable encoding of `data` (RFC 2045 §6.7): CRLF stays a line break, other octets
// outside 33..126 (and '=') become =XX, trailing space/tab of a line is encoded, lines are
// soft-broken to at most 76 characters.
std::string encode_quoted_printable(std::string_view data);

}  // namespace tegami::outbound
