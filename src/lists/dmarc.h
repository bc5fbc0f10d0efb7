// The DMARC policy a domain publishes (RFC 7489 §6.1): the `p=` tag of the TXT record
// "v=DMARC1; ..." at _dmarc.<domain>, or — when the domain has none — at its parent domains
// down to two labels (a simple stand-in for the organizational domain: no public suffix list).
// Used by lists with munge_from. Blocking DNS (the system resolver, res_nquery): worker thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tegami_lists {

// "reject", "quarantine", "none", or "" (no record, not DMARC, DNS failure).
std::string dmarc_policy(std::string_view domain);

// The p= value of one TXT record's text, "" when it is not a DMARC record. Pure.
std::string dmarc_record_policy(std::string_view txt);

}  // namespace tegami_lists
