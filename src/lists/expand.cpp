#include "lists/expand.h"

#include <algorithm>

namespace tegami_lists {

using tegami::config::AddressTarget;
using tegami::config::Config;
using tegami::config::Domain;
using tegami::config::MailingList;

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string list_address(const Domain& domain, const MailingList& list) {
  return list.local_part + "@" + domain.name;
}

namespace {

struct Walker {
  const Config& config;
  Expansion& out;
  std::vector<std::string> path;   // lists on the way to the current one
  std::set<std::string> expanded;  // lists already expanded (overlap: skip silently)
  std::set<std::string> aliases;   // domain aliases already followed

  void address(const std::string& raw, int depth) {
    std::string a = lower_ascii(raw);
    size_t at = a.rfind('@');
    if (at == std::string::npos) return;
    out.members.insert(a);
    if (config.find_domain(a.substr(at + 1)) == nullptr) {
      if (std::find(out.external.begin(), out.external.end(), a) == out.external.end())
        out.external.push_back(a);
      return;
    }
    AddressTarget t = config.resolve(a);
    switch (t.kind) {
      case AddressTarget::Kind::kNone:
        out.problems.push_back("member " + a + " is not an address of this server: skipped");
        return;
      case AddressTarget::Kind::kAccount: {
        std::string own = t.account->local_part + "@" + t.domain->name;
        out.members.insert(own);
        if (!t.account->enabled) {
          out.problems.push_back("member " + a + " is a disabled account: skipped");
          return;
        }
        tegami_delivery::LocalMailbox m{own, config.maildir_path(*t.domain, *t.account),
                                        t.account->quota_mb, config.plan_of(*t.domain).quota_policy,
                                        config.plan_of(*t.domain).quota_warning_percent};
        if (std::find(out.mailboxes.begin(), out.mailboxes.end(), m) == out.mailboxes.end())
          out.mailboxes.push_back(std::move(m));
        return;
      }
      case AddressTarget::Kind::kAlias: {
        std::string key = t.alias->local_part + "@" + t.domain->name;
        if (depth > kMaxListDepth || !aliases.insert(key).second) return;
        for (const std::string& target : t.alias->targets) {
          std::string full =
              target.find('@') == std::string::npos ? target + "@" + t.domain->name : target;
          address(full, depth + 1);
        }
        return;
      }
      case AddressTarget::Kind::kList:
        list(*t.domain, *t.list, depth + 1);
        return;
    }
  }

  void list(const Domain& d, const MailingList& l, int depth) {
    std::string key = list_address(d, l);
    if (std::find(path.begin(), path.end(), key) != path.end()) {
      std::string cycle;
      for (const std::string& p : path) cycle += p + " -> ";
      out.problems.push_back("list cycle " + cycle + key + ": not followed again");
      return;
    }
    if (depth > kMaxListDepth) {
      out.problems.push_back("list " + key + " nested deeper than " +
                             std::to_string(kMaxListDepth) + " levels: not expanded");
      return;
    }
    if (!expanded.insert(key).second) return;  // reached by another path: already done
    path.push_back(key);
    for (const auto& m : l.members) address(m.address, depth);
    path.pop_back();
  }
};

}  // namespace

Expansion expand_list(const Config& config, const Domain& domain, const MailingList& list) {
  Expansion out;
  Walker w{config, out, {}, {}, {}};
  w.list(domain, list, 0);
  return out;
}

bool may_post(const MailingList& list, const Expansion& expansion, const std::string& address) {
  std::string a = lower_ascii(address);
  switch (list.posting) {
    case tegami::config::PostingPolicy::kAnyone:
      return true;
    case tegami::config::PostingPolicy::kMembers:
      return !a.empty() && expansion.members.count(a) > 0;
    case tegami::config::PostingPolicy::kAdmins:
      return std::find(list.admins.begin(), list.admins.end(), a) != list.admins.end();
  }
  return false;
}

}  // namespace tegami_lists
