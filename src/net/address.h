// Socket addresses and CIDR ranges (plain values, no libuv, any thread).
//
// SocketAddress holds an IPv4 or IPv6 address with its port. An IPv4-mapped IPv6 address
// (::ffff:1.2.3.4, what a dual-stack socket reports) is normalised to plain IPv4 on creation,
// so logs, per-IP limits and CIDR checks see one form per client.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace net {

class SocketAddress {
 public:
  SocketAddress() = default;  // empty: family() == AF_UNSPEC, ip() == ""

  // From a kernel address. Returns nullopt for families other than AF_INET/AF_INET6.
  static std::optional<SocketAddress> from_sockaddr(const sockaddr* sa, socklen_t len);
  // From a numeric address ("192.0.2.1", "2001:db8::1"; no brackets, no names) and a port.
  static std::optional<SocketAddress> parse(std::string_view ip, uint16_t port);

  int family() const { return ss_.ss_family; }
  bool empty() const { return ss_.ss_family == AF_UNSPEC; }
  // Numeric address without port ("192.0.2.1", "2001:db8::1").
  std::string ip() const;
  uint16_t port() const;
  // "192.0.2.1:25" or "[2001:db8::1]:25".
  std::string to_string() const;

  const sockaddr* raw() const { return reinterpret_cast<const sockaddr*>(&ss_); }
  socklen_t raw_len() const;

  bool same_ip(const SocketAddress& other) const;

 private:
  sockaddr_storage ss_{};
};

// An address range "192.0.2.0/24", "2001:db8::/32", or a single address (full-length prefix).
class Cidr {
 public:
  // Returns nullopt on a malformed range (bad address, prefix out of range).
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const SocketAddress& address) const;
  std::string to_string() const;

 private:
  int family_ = AF_UNSPEC;
  unsigned char bytes_[16] = {};
  int prefix_ = 0;
};

}  // namespace net
