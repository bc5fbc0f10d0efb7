// The non-template codec helpers of the key table (schema_codecs.h).
#include <arpa/inet.h>
#include <sys/socket.h>

#include "config/schema_codecs.h"

namespace tegami::config::schema::detail {

const char* node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "an undefined value";
  }
}

bool get_scalar(Ctx& c, const YAML::Node& n, std::string& out, std::string_view expected) {
  if (!n.IsScalar()) {
    c.error(pos_of(n), "expected " + std::string(expected) + ", got " + node_kind(n));
    return false;
  }
  out = n.Scalar();
  return true;
}

bool parse_uint(Ctx& c, const YAML::Node& n, std::uint64_t max, std::uint64_t& v) {
  std::string s;
  if (!get_scalar(c, n, s, "a whole number")) return false;
  bool digits = !s.empty() && s.size() <= 19;
  for (char ch : s) digits = digits && ch >= '0' && ch <= '9';
  if (!digits || std::stoull(s) > max) {
    c.error(pos_of(n),
            "expected a whole number from 0 to " + std::to_string(max) + ", got '" + s + "'");
    return false;
  }
  v = std::stoull(s);
  return true;
}

bool parse_listen(Ctx& c, const YAML::Node& n, std::string& address, std::uint16_t& port) {
  std::string s;
  if (!get_scalar(c, n, s, "address:port")) return false;
  size_t colon = s.rfind(':');
  std::string host = colon == std::string::npos ? "" : s.substr(0, colon);
  std::string p = colon == std::string::npos ? "" : s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    host = "!";  // an IPv6 address must be bracketed
  }
  if (host.empty()) host = "::";
  unsigned char buf[16];
  bool host_ok =
      inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
  bool digits = !p.empty() && p.size() <= 5;
  for (char ch : p) digits = digits && ch >= '0' && ch <= '9';
  if (!host_ok || !digits || std::stoul(p) == 0 || std::stoul(p) > 65535) {
    c.error(pos_of(n), "expected IP:port like 127.0.0.1:143 or [::1]:143, got '" + s + "'");
    return false;
  }
  address = host;
  port = static_cast<std::uint16_t>(std::stoul(p));
  return true;
}

std::string listen_text(const std::string& address, std::uint16_t port) {
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

bool CidrC::parse(Ctx& c, const YAML::Node& n, Cidr& v) {
  std::string s;
  if (!get_scalar(c, n, s, "an address or network (CIDR)")) return false;
  v = Cidr{};
  v.text = s;
  std::string addr = s;
  int prefix = -1;
  if (size_t slash = s.find('/'); slash != std::string::npos) {
    addr = s.substr(0, slash);
    std::string p = s.substr(slash + 1);
    bool digits = !p.empty() && p.size() <= 3;
    for (char ch : p) digits = digits && ch >= '0' && ch <= '9';
    prefix = digits ? std::stoi(p) : 999;
  }
  if (inet_pton(AF_INET, addr.c_str(), v.bytes) == 1) {
    v.family = AF_INET;
    v.prefix_length = prefix < 0 ? 32 : prefix;
  } else if (inet_pton(AF_INET6, addr.c_str(), v.bytes) == 1) {
    v.family = AF_INET6;
    v.prefix_length = prefix < 0 ? 128 : prefix;
  }
  if (v.family == 0 || v.prefix_length > (v.family == AF_INET ? 32 : 128)) {
    c.error(pos_of(n), "expected an IP address or network like 10.0.0.0/8, got '" + s + "'");
    return false;
  }
  return true;
}

}  // namespace tegami::config::schema::detail
