// `tegami domain show <domain> [--json]` and `tegami domain list [--json]`: a domain's contract
// and how much of it is used (accounts, lists, quota allocated vs. contracted disk capacity).
#include <cstdio>
#include <string>

#include "command.h"
#include "config/load.h"
#include "json_text.h"

namespace tegami_cli {
namespace {

using tegami::config::Config;
using tegami::config::Domain;

std::uint64_t allocated_mb(const Domain& d) {
  std::uint64_t sum = 0;
  for (const auto& a : d.accounts)
    sum = a.quota_mb > UINT64_MAX - sum ? UINT64_MAX : sum + a.quota_mb;
  return sum;
}

std::string domain_json(const Domain& d) {
  std::uint64_t alloc = allocated_mb(d);
  return "{\"domain\": " + json_string(d.name) + ", \"plan\": " + json_string(d.plan) +
         ", \"file\": " + json_string(d.source_file) +
         ", \"accounts\": {\"used\": " + std::to_string(d.accounts.size()) +
         ", \"allowed\": " + std::to_string(d.max_accounts) +
         "}, \"lists\": {\"used\": " + std::to_string(d.lists.size()) +
         ", \"allowed\": " + std::to_string(d.max_lists) +
         "}, \"aliases\": " + std::to_string(d.aliases.size()) +
         ", \"max_imap_connections\": " + std::to_string(d.max_imap_connections) +
         ", \"quota_mb\": {\"allocated\": " + std::to_string(alloc) +
         ", \"contract\": " + std::to_string(d.disk_quota_mb) + ", \"over_contract\": " +
         ((d.disk_quota_mb != 0 && alloc > d.disk_quota_mb) ? "true" : "false") +
         "}, \"uidl_format\": " + json_string(std::string(to_string(d.uidl_format))) + "}";
}

bool load(const Invocation& inv, std::shared_ptr<const Config>& out) {
  auto result = tegami::config::load_config(inv.config_path);
  if (!result.ok()) {
    for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return false;
  }
  out = result.config;
  return true;
}

int show(const Invocation& inv) {
  bool json = false;
  std::string name;
  for (const auto& a : inv.args) {
    if (a == "--json")
      json = true;
    else if (name.empty() && a[0] != '-')
      name = a;
    else
      return usage_error("domain show");
  }
  if (name.empty()) return usage_error("domain show");
  std::shared_ptr<const Config> config;
  if (!load(inv, config)) return 1;
  const Domain* d = config->find_domain(name);
  if (d == nullptr) {
    std::fprintf(stderr, "tegami: unknown domain %s\n", name.c_str());
    return 1;
  }
  if (json) {
    std::printf("%s\n", domain_json(*d).c_str());
    return 0;
  }
  std::uint64_t alloc = allocated_mb(*d);
  std::printf("domain:      %s\n", d->name.c_str());
  std::printf("plan:        %s\n", d->plan.c_str());
  std::printf("file:        %s\n", d->source_file.c_str());
  std::printf("accounts:    %zu / %u\n", d->accounts.size(), d->max_accounts);
  std::printf("lists:       %zu / %u\n", d->lists.size(), d->max_lists);
  std::printf("aliases:     %zu\n", d->aliases.size());
  std::printf("imap conns:  %u\n", d->max_imap_connections);
  if (d->disk_quota_mb == 0) {
    std::printf("quota:       %llu MB allocated (no contracted capacity)\n",
                static_cast<unsigned long long>(alloc));
  } else {
    std::printf("quota:       %llu MB allocated of %llu MB contracted%s\n",
                static_cast<unsigned long long>(alloc),
                static_cast<unsigned long long>(d->disk_quota_mb),
                alloc > d->disk_quota_mb ? " (OVER CONTRACT)" : "");
  }
  std::printf("uidl format: %s\n", std::string(to_string(d->uidl_format)).c_str());
  return 0;
}

int list(const Invocation& inv) {
  bool json = false;
  for (const auto& a : inv.args) {
    if (a == "--json")
      json = true;
    else
      return usage_error("domain list");
  }
  std::shared_ptr<const Config> config;
  if (!load(inv, config)) return 1;
  if (json) {
    std::printf("[");
    for (size_t i = 0; i < config->domains.size(); ++i) {
      std::printf("%s%s", i ? ", " : "", domain_json(config->domains[i]).c_str());
    }
    std::printf("]\n");
    return 0;
  }
  for (const auto& d : config->domains) {
    std::printf("%-30s %-10s accounts %zu/%u  lists %zu/%u  quota %llu/%llu MB\n", d.name.c_str(),
                d.plan.c_str(), d.accounts.size(), d.max_accounts, d.lists.size(), d.max_lists,
                static_cast<unsigned long long>(allocated_mb(d)),
                static_cast<unsigned long long>(d.disk_quota_mb));
  }
  return 0;
}

Register r1{{"domain show", "<domain> [--json]",
             "accounts/lists used of allowed, quota allocated vs contract", &show}};
Register r2{{"domain list", "[--json]", "every domain with its usage", &list}};

}  // namespace
}  // namespace tegami_cli
