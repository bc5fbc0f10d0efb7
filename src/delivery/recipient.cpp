#include "delivery/recipient.h"

#include <algorithm>
#include <optional>
#include <string_view>

namespace tegami_delivery {

using tegami::config::AddressTarget;
using tegami::config::Config;
using tegami_smtp::Reply;

namespace {

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

RcptVerdict refuse(int code, std::string enhanced, std::string text) {
  RcptVerdict v;
  v.kind = RcptVerdict::Kind::kRefused;
  v.reply = Reply{code, std::move(enhanced), std::move(text)};
  return v;
}

bool expand(const Config& config, const std::string& address, int depth, RcptVerdict& v);

// Alias targets (full addresses): local ones are expanded, others forwarded through the queue.
bool expand_targets(const Config& config, const std::vector<std::string>& targets, int depth,
                    RcptVerdict& v) {
  for (const std::string& full : targets) {
    size_t at = full.rfind('@');
    if (config.find_domain(full.substr(at + 1)) == nullptr) {
      // Forwarding to another server: through the queue (the session decides).
      if (std::find(v.forward.begin(), v.forward.end(), full) == v.forward.end())
        v.forward.push_back(full);
      continue;
    }
    if (!expand(config, lower(full), depth + 1, v)) return false;
  }
  return true;
}

// `<list>-ctl@domain` (list commands) and `<list>-bounces@domain` (bounces of posts: to the
// list's admins). nullopt: the address is neither.
std::optional<bool> list_service_address(const Config& config, const std::string& address,
                                         int depth, RcptVerdict& v) {
  size_t at = address.rfind('@');
  std::string local = address.substr(0, at), domain = address.substr(at + 1);
  for (std::string_view suffix : {std::string_view("-ctl"), std::string_view("-bounces")}) {
    if (local.size() <= suffix.size() ||
        local.compare(local.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    AddressTarget t = config.resolve(local.substr(0, local.size() - suffix.size()) + "@" + domain);
    if (t.kind != AddressTarget::Kind::kList) continue;
    std::string list = t.list->local_part + "@" + t.domain->name;
    if (suffix == "-ctl") {
      v.list_ctl = list;
      return true;
    }
    v.list_bounces = list;
    if (t.list->admins.empty()) {
      v = refuse(550, "5.1.1", "List " + list + " has no admins to take its bounces");
      return false;
    }
    return expand_targets(config, t.list->admins, depth, v);
  }
  return std::nullopt;
}

// Expands `address` (already known to be in a local domain) into accounts. Returns a refusal
// reply code in `v` on failure.
bool expand(const Config& config, const std::string& address, int depth, RcptVerdict& v) {
  if (depth > kMaxAliasDepth) {
    v = refuse(554, "5.4.6", "Alias loop or nesting too deep");
    return false;
  }
  AddressTarget t = config.resolve(address);
  switch (t.kind) {
    case AddressTarget::Kind::kNone: {
      if (std::optional<bool> ok = list_service_address(config, address, depth, v)) return *ok;
      // The domain's catch-all takes mail for unknown local parts — only for the address the
      // client gave (depth 0): an alias or catch-all target that does not exist is an error in
      // the config, refused rather than caught again (no loops).
      const tegami::config::Domain* d =
          depth == 0 ? config.find_domain(address.substr(address.rfind('@') + 1)) : nullptr;
      if (d != nullptr && !d->catch_all.empty())
        return expand_targets(config, d->catch_all, depth, v);
      v = refuse(550, "5.1.1", "No such user here");
      return false;
    }
    case AddressTarget::Kind::kList: {
      std::string list = t.list->local_part + "@" + t.domain->name;
      if (std::find(v.lists.begin(), v.lists.end(), list) == v.lists.end()) v.lists.push_back(list);
      return true;
    }
    case AddressTarget::Kind::kAccount: {
      if (!t.account->enabled) {
        v = refuse(550, "5.2.1", "Mailbox disabled");
        return false;
      }
      LocalMailbox m{t.account->local_part + "@" + t.domain->name,
                     config.maildir_path(*t.domain, *t.account), t.account->quota_mb,
                     config.plan_of(*t.domain).quota_policy,
                     config.plan_of(*t.domain).quota_warning_percent};
      if (std::find(v.mailboxes.begin(), v.mailboxes.end(), m) == v.mailboxes.end())
        v.mailboxes.push_back(std::move(m));
      return true;
    }
    case AddressTarget::Kind::kAlias: {
      std::vector<std::string> full;
      for (const std::string& target : t.alias->targets)
        full.push_back(target.find('@') == std::string::npos ? target + "@" + t.domain->name
                                                             : target);
      return expand_targets(config, full, depth, v);
    }
  }
  return false;
}

}  // namespace

RcptVerdict resolve_recipient(const Config& config, const tegami_smtp::Path& path) {
  if (path.null) return refuse(501, "5.1.3", "Empty recipient");
  if (auto trick = tegami_smtp::relay_trick(path))
    return refuse(554, "5.7.1", "Relay denied: " + *trick);
  if (path.address_literal) return refuse(554, "5.7.1", "Relay denied: address literal");
  std::string domain = lower(path.domain);
  if (config.find_domain(domain) == nullptr) {
    RcptVerdict v;
    v.kind = RcptVerdict::Kind::kRemote;
    v.remote = path.address();
    return v;
  }
  if (path.quoted) return refuse(550, "5.1.1", "No such user here");
  RcptVerdict v;
  v.kind = RcptVerdict::Kind::kLocal;
  if (!expand(config, lower(path.local) + "@" + domain, 0, v)) return v;
  if (v.mailboxes.empty() && v.forward.empty() && v.lists.empty() && v.list_ctl.empty())
    return refuse(550, "5.1.1", "No such user here");
  return v;
}

}  // namespace tegami_delivery
