// Who a list post goes to, and who may post. Pure (reads the config snapshot); any thread.
//
// expand_list() walks the list's members: an account (or an account's alias) is a final local
// mailbox; a domain alias is followed to its targets; another list of this server is expanded
// in place (nesting); an address of another domain is an external member (the queue delivers
// it). Every final address appears once however many paths lead to it. A list met again on
// the path that leads to it is a cycle: it is skipped (the post goes out once) and reported
// in `problems` (the caller logs it; `tegami config check` refuses cycles, so this only
// happens with a hand-made config that slipped past it). Nesting deeper than kMaxListDepth is
// cut off and reported the same way. Disabled accounts and unknown local addresses are
// skipped and reported.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "delivery/recipient.h"

namespace tegami_lists {

inline constexpr int kMaxListDepth = 8;

struct Expansion {
  std::vector<tegami_delivery::LocalMailbox> mailboxes;  // final local accounts, once each
  std::vector<std::string> external;                     // addresses on other servers, once each
  // Every member address met on the way (lower-case, at every nesting level, plus the
  // accounts the members resolved to): the "members" posting policy checks against this.
  std::set<std::string> members;
  std::vector<std::string> problems;  // cycles, too deep, unknown or disabled members
};

Expansion expand_list(const tegami::config::Config& config, const tegami::config::Domain& domain,
                      const tegami::config::MailingList& list);

// "name@domain" of a list.
std::string list_address(const tegami::config::Domain& domain,
                         const tegami::config::MailingList& list);

// Lower-cases ASCII.
std::string lower_ascii(std::string s);

// Whether `address` (any case) may post under the list's policy: anyone; members (any address
// in expansion.members); admins (one of the list's admins).
bool may_post(const tegami::config::MailingList& list, const Expansion& expansion,
              const std::string& address);

}  // namespace tegami_lists
