#include "net/proxy_protocol.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace net::proxy {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr char kV2Sig[] = "\r\n\r\n\0\r\nQUIT\n";
constexpr std::string_view kV2Signature(kV2Sig, 12);

ParseResult fail(std::string_view why) {
  ParseResult r;
  r.outcome = Outcome::kError;
  r.error = why;
  return r;
}

// True if `a` is a prefix of `b` or `b` of `a` (compared over the shorter length).
bool prefix_match(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  return a.substr(0, n) == b.substr(0, n);
}

bool parse_port(std::string_view text, uint16_t& port) {
  // 0..65535, decimal, no leading zeros except "0" itself (the spec's form).
  if (text.empty() || text.size() > 5) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

ParseResult parse_v1(std::string_view buffered) {
  size_t lf = buffered.find('\n');
  if (lf == std::string_view::npos) {
    if (buffered.size() >= kMaxV1Bytes) return fail("PROXY v1 header too long");
    return ParseResult{};  // need more
  }
  if (lf + 1 > kMaxV1Bytes) return fail("PROXY v1 header too long");
  if (lf == 0 || buffered[lf - 1] != '\r') return fail("PROXY v1 header not ended by CRLF");
  std::string_view line = buffered.substr(kV1Prefix.size(), lf - 1 - kV1Prefix.size());

  // Split on single spaces.
  std::string_view fields[6];
  size_t count = 0;
  while (true) {
    size_t sp = line.find(' ');
    std::string_view f = line.substr(0, sp);
    if (count == 6) return fail("PROXY v1 header has too many fields");
    fields[count++] = f;
    if (sp == std::string_view::npos) break;
    line = line.substr(sp + 1);
  }
  ParseResult r;
  r.outcome = Outcome::kDone;
  r.length = lf + 1;
  r.header.version = 1;
  if (fields[0] == "UNKNOWN") {  // the rest of the line is ignored
    r.header.local = true;
    return r;
  }
  if (fields[0] != "TCP4" && fields[0] != "TCP6") return fail("PROXY v1 unknown protocol");
  if (count != 5) return fail("PROXY v1 header needs 5 fields");
  int family = fields[0] == "TCP4" ? AF_INET : AF_INET6;
  uint16_t sport = 0, dport = 0;
  if (!parse_port(fields[3], sport) || !parse_port(fields[4], dport)) {
    return fail("PROXY v1 bad port");
  }
  // inet_pton, not SocketAddress::parse, so the family must match the protocol word.
  for (int i = 1; i <= 2; ++i) {
    unsigned char tmp[16];
    std::string ip(fields[i]);
    if (ip.size() > 45 || inet_pton(family, ip.c_str(), tmp) != 1) {
      return fail("PROXY v1 bad address");
    }
  }
  r.header.source = SocketAddress::parse(fields[1], sport);
  r.header.destination = SocketAddress::parse(fields[2], dport);
  if (!r.header.source || !r.header.destination) return fail("PROXY v1 bad address");
  return r;
}

ParseResult parse_v2(std::string_view buffered) {
  if (buffered.size() < 16) return ParseResult{};
  auto byte = [&](size_t i) { return static_cast<unsigned char>(buffered[i]); };
  unsigned ver_cmd = byte(12);
  if ((ver_cmd >> 4) != 2) return fail("PROXY v2 bad version");
  unsigned cmd = ver_cmd & 0x0f;
  if (cmd > 1) return fail("PROXY v2 bad command");
  unsigned fam = byte(13);
  size_t len = (static_cast<size_t>(byte(14)) << 8) | byte(15);
  if (16 + len > kMaxHeaderBytes) return fail("PROXY v2 header too long");
  if (buffered.size() < 16 + len) return ParseResult{};

  ParseResult r;
  r.outcome = Outcome::kDone;
  r.length = 16 + len;
  r.header.version = 2;
  if (cmd == 0) {  // LOCAL: health check by the proxy itself; addresses ignored
    r.header.local = true;
    return r;
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(buffered.data()) + 16;
  unsigned family = fam >> 4;
  unsigned transport = fam & 0x0f;
  if (family > 3 || transport > 2) return fail("PROXY v2 bad family");
  if (family == 1 && transport == 1) {  // TCP over IPv4
    if (len < 12) return fail("PROXY v2 address block too short");
    sockaddr_in src{}, dst{};
    src.sin_family = dst.sin_family = AF_INET;
    std::memcpy(&src.sin_addr, p, 4);
    std::memcpy(&dst.sin_addr, p + 4, 4);
    std::memcpy(&src.sin_port, p + 8, 2);
    std::memcpy(&dst.sin_port, p + 10, 2);
    r.header.source = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&src), sizeof src);
    r.header.destination =
        SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&dst), sizeof dst);
    return r;
  }
  if (family == 2 && transport == 1) {  // TCP over IPv6
    if (len < 36) return fail("PROXY v2 address block too short");
    sockaddr_in6 src{}, dst{};
    src.sin6_family = dst.sin6_family = AF_INET6;
    std::memcpy(&src.sin6_addr, p, 16);
    std::memcpy(&dst.sin6_addr, p + 16, 16);
    std::memcpy(&src.sin6_port, p + 32, 2);
    std::memcpy(&dst.sin6_port, p + 34, 2);
    r.header.source = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&src), sizeof src);
    r.header.destination =
        SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&dst), sizeof dst);
    return r;
  }
  // UNSPEC, UNIX sockets, datagrams: valid header, but no TCP client address to use.
  r.header.local = true;
  return r;
}

}  // namespace

ParseResult parse(std::string_view buffered) {
  if (buffered.empty()) return ParseResult{};
  if (prefix_match(buffered, kV2Signature)) {
    if (buffered.size() < kV2Signature.size()) return ParseResult{};
    return parse_v2(buffered);
  }
  if (prefix_match(buffered, kV1Prefix)) {
    if (buffered.size() < kV1Prefix.size()) return ParseResult{};
    return parse_v1(buffered);
  }
  return fail("no PROXY header");
}

}  // namespace net::proxy
