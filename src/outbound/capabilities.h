// What a server offers in its EHLO reply (RFC 5321 §4.1.1.1): one keyword per line after the
// first, with optional parameters. Pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "outbound/reply_parser.h"

namespace tegami::outbound {

struct Capabilities {
  bool esmtp = false;             // the server answered EHLO (not only HELO)
  bool pipelining = false;        // RFC 2920
  bool starttls = false;          // RFC 3207
  bool eightbitmime = false;      // RFC 6152
  bool smtputf8 = false;          // RFC 6531
  bool dsn = false;               // RFC 3461
  bool size = false;              // RFC 1870 SIZE offered
  uint64_t max_size = 0;          // its limit; 0 = none announced
  std::vector<std::string> auth;  // SASL mechanisms, upper case ("PLAIN", "LOGIN")
  bool has_auth(std::string_view mechanism) const;
};

// Reads the keywords of a positive EHLO reply (case-insensitive; unknown ones ignored; a bad
// SIZE value counts as "SIZE without a limit").
Capabilities parse_ehlo(const Reply& reply);

}  // namespace tegami::outbound
