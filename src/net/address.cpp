#include "net/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace net {

std::optional<SocketAddress> SocketAddress::from_sockaddr(const sockaddr* sa, socklen_t len) {
  SocketAddress out;
  if (sa == nullptr) return std::nullopt;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    std::memcpy(&out.ss_, sa, sizeof(sockaddr_in));
    return out;
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      auto* in4 = reinterpret_cast<sockaddr_in*>(&out.ss_);
      in4->sin_family = AF_INET;
      in4->sin_port = in6->sin6_port;
      std::memcpy(&in4->sin_addr, in6->sin6_addr.s6_addr + 12, 4);
      return out;
    }
    std::memcpy(&out.ss_, sa, sizeof(sockaddr_in6));
    return out;
  }
  return std::nullopt;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view ip, uint16_t port) {
  if (ip.empty() || ip.size() > 64) return std::nullopt;
  std::string text(ip);
  sockaddr_in in4{};
  if (inet_pton(AF_INET, text.c_str(), &in4.sin_addr) == 1) {
    in4.sin_family = AF_INET;
    in4.sin_port = htons(port);
    return from_sockaddr(reinterpret_cast<sockaddr*>(&in4), sizeof in4);
  }
  sockaddr_in6 in6{};
  if (inet_pton(AF_INET6, text.c_str(), &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    return from_sockaddr(reinterpret_cast<sockaddr*>(&in6), sizeof in6);
  }
  return std::nullopt;
}

std::string SocketAddress::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr, buf, sizeof buf);
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  if (family() == AF_INET6) return "[" + ip() + "]:" + std::to_string(port());
  if (family() == AF_INET) return ip() + ":" + std::to_string(port());
  return "";
}

socklen_t SocketAddress::raw_len() const {
  if (family() == AF_INET) return sizeof(sockaddr_in);
  if (family() == AF_INET6) return sizeof(sockaddr_in6);
  return 0;
}

bool SocketAddress::same_ip(const SocketAddress& other) const {
  if (family() != other.family()) return false;
  if (family() == AF_INET) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr,
                       &reinterpret_cast<const sockaddr_in*>(&other.ss_)->sin_addr, 4) == 0;
  }
  if (family() == AF_INET6) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_addr,
                       &reinterpret_cast<const sockaddr_in6*>(&other.ss_)->sin6_addr, 16) == 0;
  }
  return true;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  std::string_view ip = text;
  int prefix = -1;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    ip = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (ec != std::errc() || ptr != p.data() + p.size()) return std::nullopt;
  }
  auto addr = SocketAddress::parse(ip, 0);
  if (!addr) return std::nullopt;
  Cidr out;
  out.family_ = addr->family();
  int max = out.family_ == AF_INET ? 32 : 128;
  if (prefix < 0) prefix = max;
  if (prefix > max) return std::nullopt;
  out.prefix_ = prefix;
  if (out.family_ == AF_INET) {
    std::memcpy(out.bytes_, &reinterpret_cast<const sockaddr_in*>(addr->raw())->sin_addr, 4);
  } else {
    std::memcpy(out.bytes_, &reinterpret_cast<const sockaddr_in6*>(addr->raw())->sin6_addr, 16);
  }
  return out;
}

bool Cidr::contains(const SocketAddress& address) const {
  if (address.family() != family_) return false;
  const unsigned char* bytes =
      family_ == AF_INET ? reinterpret_cast<const unsigned char*>(
                               &reinterpret_cast<const sockaddr_in*>(address.raw())->sin_addr)
                         : reinterpret_cast<const unsigned char*>(
                               &reinterpret_cast<const sockaddr_in6*>(address.raw())->sin6_addr);
  int full = prefix_ / 8;
  if (std::memcmp(bytes, bytes_, static_cast<size_t>(full)) != 0) return false;
  int rest = prefix_ % 8;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (bytes[full] & mask) == (bytes_[full] & mask);
}

std::string Cidr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family_, bytes_, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix_);
}

}  // namespace net
