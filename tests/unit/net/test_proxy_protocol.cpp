// PROXY protocol parser: table tests, vectors from haproxy doc/proxy-protocol.txt, byte drip.
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <string>

#include "net/proxy_protocol.h"

using net::proxy::Outcome;
using net::proxy::parse;

namespace {

const std::string kSig("\r\n\r\n\0\r\nQUIT\n", 12);
const std::string kFfff6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

std::string v2(unsigned char ver_cmd, unsigned char fam, const std::string& body) {
  std::string h = kSig;
  h += static_cast<char>(ver_cmd);
  h += static_cast<char>(fam);
  h += static_cast<char>(body.size() >> 8);
  h += static_cast<char>(body.size() & 0xff);
  return h + body;
}

std::string v4_body(const char* src, const char* dst, uint16_t sp, uint16_t dp) {
  std::string b(12, '\0');
  inet_pton(AF_INET, src, b.data());
  inet_pton(AF_INET, dst, b.data() + 4);
  b[8] = static_cast<char>(sp >> 8);
  b[9] = static_cast<char>(sp & 0xff);
  b[10] = static_cast<char>(dp >> 8);
  b[11] = static_cast<char>(dp & 0xff);
  return b;
}

std::string v6_body(const char* src, const char* dst, uint16_t sp, uint16_t dp) {
  std::string b(36, '\0');
  inet_pton(AF_INET6, src, b.data());
  inet_pton(AF_INET6, dst, b.data() + 16);
  b[32] = static_cast<char>(sp >> 8);
  b[33] = static_cast<char>(sp & 0xff);
  b[34] = static_cast<char>(dp >> 8);
  b[35] = static_cast<char>(dp & 0xff);
  return b;
}

}  // namespace

TEST_CASE("v1_spec_examples") {
  auto r = parse("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n");
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.length == 47);
  CHECK(r.header.version == 1);
  CHECK(r.header.source->to_string() == "192.168.0.1:56324");
  CHECK(r.header.destination->to_string() == "192.168.0.11:443");

  std::string worst4 = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
  r = parse(worst4);
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.length == worst4.size());

  std::string worst6 = "PROXY TCP6 " + kFfff6 + " " + kFfff6 + " 65535 65535\r\n";
  CHECK(worst6.size() == 104);
  r = parse(worst6);
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.header.source->ip() == kFfff6);

  r = parse("PROXY UNKNOWN\r\n");
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.header.local);
  CHECK_FALSE(r.header.source.has_value());

  std::string unknown_worst = "PROXY UNKNOWN " + kFfff6 + " " + kFfff6 + " 65535 65535\r\n";
  CHECK(unknown_worst.size() == 107);
  r = parse(unknown_worst);
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.header.local);
}

TEST_CASE("v1_errors") {
  const char* bad[] = {
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n",        // missing port
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 9\r\n",  // extra field
      "PROXY TCP4 ::1 ::1 1 2\r\n",                           // family mismatch
      "PROXY TCP6 1.2.3.4 1.2.3.4 1 2\r\n",                   // family mismatch
      "PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n",    // port range
      "PROXY TCP4 192.168.0.1 192.168.0.11 0443 443\r\n",     // leading zero
      "PROXY TCP4 192.168.0.1  192.168.0.11 1 443\r\n",       // double space
      "PROXY UDP4 192.168.0.1 192.168.0.11 1 443\r\n",        // protocol
      "PROXY TCP4 192.168.0.1 192.168.0.11 1 443\n",          // bare LF
      "PROXY TCP4 host.example 192.168.0.11 1 443\r\n",       // names are not addresses
      "proxy TCP4 192.168.0.1 192.168.0.11 1 443\r\n",        // case
      "HELO example.com\r\n",                                 // no header at all
  };
  for (const char* b : bad) {
    auto r = parse(b);
    CHECK_MESSAGE(r.outcome == Outcome::kError, b);
  }
  // Too long without CRLF.
  CHECK(parse("PROXY UNKNOWN " + std::string(200, 'a')).outcome == Outcome::kError);
  CHECK(parse("PROXY UNKNOWN " + std::string(80, 'a')).outcome == Outcome::kNeedMore);
}

TEST_CASE("v2_tcp4_tcp6_local_and_tlvs") {
  auto r = parse(v2(0x21, 0x11, v4_body("203.0.113.9", "192.0.2.1", 5555, 993)) + "A1 LOGIN");
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.length == 28);
  CHECK(r.header.version == 2);
  CHECK(r.header.source->to_string() == "203.0.113.9:5555");
  CHECK(r.header.destination->to_string() == "192.0.2.1:993");

  r = parse(v2(0x21, 0x21, v6_body("2001:db8::7", "2001:db8::1", 40000, 143)));
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.header.source->to_string() == "[2001:db8::7]:40000");

  // TLVs after the addresses are skipped (here: PP2_TYPE_AUTHORITY "example.com").
  std::string tlv = std::string("\x02\x00\x0b", 3) + "example.com";
  r = parse(v2(0x21, 0x11, v4_body("198.51.100.1", "192.0.2.1", 1, 2) + tlv) + "X");
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.length == 16 + 12 + tlv.size());
  CHECK(r.header.source->ip() == "198.51.100.1");

  r = parse(v2(0x20, 0x00, ""));  // LOCAL (health check)
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.header.local);
  r = parse(v2(0x21, 0x31, std::string(216, '\0')));  // AF_UNIX: no TCP client address
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.header.local);
}

TEST_CASE("v2_errors") {
  CHECK(parse(v2(0x11, 0x11, v4_body("1.2.3.4", "1.2.3.4", 1, 2))).outcome == Outcome::kError);
  CHECK(parse(v2(0x22, 0x11, v4_body("1.2.3.4", "1.2.3.4", 1, 2))).outcome == Outcome::kError);
  CHECK(parse(v2(0x21, 0x11, std::string(8, '\0'))).outcome == Outcome::kError);  // short
  CHECK(parse(v2(0x21, 0x21, std::string(20, '\0'))).outcome == Outcome::kError);
  CHECK(parse(v2(0x21, 0x41, "")).outcome == Outcome::kError);  // family 4
  // Declared length over the limit: refused before the bytes arrive.
  std::string big = kSig + std::string("\x21\x11\x40\x00", 4);
  CHECK(parse(big).outcome == Outcome::kError);
  // Broken signature.
  std::string sig = kSig;
  sig[5] = 'x';
  CHECK(parse(sig).outcome == Outcome::kError);
}

TEST_CASE("byte_drip_needs_more_until_complete") {
  std::string inputs[] = {
      "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",
      "PROXY TCP6 " + kFfff6 + " " + kFfff6 + " 65535 65535\r\n",
      v2(0x21, 0x11, v4_body("203.0.113.9", "192.0.2.1", 5555, 993)),
      v2(0x21, 0x21, v6_body("2001:db8::7", "2001:db8::1", 40000, 143) + "\x04\x00\x01z"),
  };
  for (const std::string& in : inputs) {
    for (size_t n = 0; n < in.size(); ++n) {
      auto r = parse(std::string_view(in).substr(0, n));
      REQUIRE_MESSAGE(r.outcome == Outcome::kNeedMore, "prefix ", n);
    }
    auto r = parse(in + "tail");
    REQUIRE(r.outcome == Outcome::kDone);
    CHECK(r.length == in.size());
  }
}
