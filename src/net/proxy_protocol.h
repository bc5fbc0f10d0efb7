// HAProxy PROXY protocol, versions 1 (text) and 2 (binary): a pure parser.
//
// Spec: haproxy/haproxy doc/proxy-protocol.txt. A load balancer that trusts us prepends one
// header to the TCP stream naming the real client. The parser sees the bytes buffered so far
// and says "need more", "done after N bytes" or "error"; it keeps no state, so a caller that
// receives the header in pieces calls it again with the longer buffer (bounded by
// kMaxHeaderBytes). It never reads past the header: bytes after it belong to the protocol.
//
// Accepted: v1 "PROXY TCP4|TCP6|UNKNOWN ...\r\n" (at most 107 bytes); v2 with command LOCAL or
// PROXY, families AF_INET / AF_INET6 over STREAM (others → addresses absent, like LOCAL);
// TLVs are skipped. A v2 header longer than kMaxHeaderBytes is refused.
//
// Only listeners whose configured trusted sources contain the TCP peer call this (the
// connection layer does that); everyone else's "PROXY ..." is just protocol input.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "net/address.h"

namespace net::proxy {

inline constexpr size_t kMaxV1Bytes = 107;
inline constexpr size_t kMaxHeaderBytes = 16 + 1024;  // v2 fixed part + addresses + TLVs

struct Header {
  int version = 0;     // 1 or 2
  bool local = false;  // v2 LOCAL, v1 UNKNOWN, or an unsupported family: use the socket's
  std::optional<SocketAddress> source;       // the real client
  std::optional<SocketAddress> destination;  // the address the client connected to
};

enum class Outcome { kNeedMore, kDone, kError };

struct ParseResult {
  Outcome outcome = Outcome::kNeedMore;
  size_t length = 0;       // kDone: bytes of the header (consume exactly these)
  Header header;           // kDone
  std::string_view error;  // kError: a static description
};

// Parses the start of `buffered`. kNeedMore only while `buffered` is a proper prefix of a
// header that may still be valid; any byte that cannot start or continue a header is kError.
ParseResult parse(std::string_view buffered);

}  // namespace net::proxy
