// RFC 5322 address lists (with groups, quoted local parts, comments, obsolete routes and
// separators) parsed the lenient way IMAP servers do for ENVELOPE.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mime {

// One ENVELOPE address: (name adl mailbox host). A group start has host_nil = true and mailbox =
// group name; a group end has mailbox_nil and host_nil true (RFC 3501 §7.4.2).
struct Address {
  std::string name;     // display name, raw (RFC 2047 words not decoded), "" = NIL
  std::string route;    // obsolete source route "@a,@b", "" = NIL
  std::string mailbox;  // local part (quotes removed), or group name
  std::string host;     // domain
  bool name_nil = true, mailbox_nil = false, host_nil = false;
};

// Parses an unfolded header value. At most `max` addresses are returned (the rest dropped).
std::vector<Address> parse_address_list(std::string_view value, size_t max = 10000);

}  // namespace mime
