// Where mail for a domain goes (RFC 5321 §5.1, RFC 7505): MX records sorted by preference,
// the domain itself when it has no MX, nowhere for a null MX. Pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tegami::outbound {

struct MxRecord {
  uint16_t preference = 0;
  std::string host;  // as in DNS, without the trailing dot; "" or "." for the null MX
};

struct Route {
  enum class Kind {
    kHosts,   // try `hosts` in order
    kNullMx,  // the domain accepts no mail (RFC 7505): bounce at once
  };
  Kind kind = Kind::kHosts;
  std::vector<std::string> hosts;
};

// From the MX answer: hosts by ascending preference (ties keep DNS order), duplicates
// dropped. A sole MX "." (any preference) is the null MX; a "." among real MX records is
// ignored. No records at all: the domain itself (the implicit MX, §5.1).
Route route_from_mx(const std::string& domain, std::vector<MxRecord> records);

// The domain of an address ("user@Example.COM" → "example.com"); "" when there is no '@'.
std::string domain_of(const std::string& address);

}  // namespace tegami::outbound
