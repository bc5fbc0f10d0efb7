// The DMARC policy a domain publishes (RFC 7489 §6.1): the `p=` tag of the TXT record
// "v=DMARC1; ..." at _dmarc.<domain>, or — when the domain has none — at its parent domains
// down to two labels (a simple stand-in for the organizational domain: no public suffix list).
// Used by lists with munge_from. Blocking DNS (res_nquery: the system resolver, or the servers
// of outbound.dns_servers): worker thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tegami_lists {

// "reject", "quarantine", "none", or "" (no record, not DMARC, DNS failure). `servers` as
// outbound.dns_servers: "" = /etc/resolv.conf, else "ip[:port],..." — the IPv4 entries are
// asked (at most 3, as res_state holds), falling back to the system's when there is none.
std::string dmarc_policy(std::string_view domain, std::string_view servers = {});

// The p= value of one TXT record's text, "" when it is not a DMARC record. Pure.
std::string dmarc_record_policy(std::string_view txt);

}  // namespace tegami_lists
