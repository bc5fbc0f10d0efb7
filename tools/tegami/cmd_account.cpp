// `tegami account add|del|passwd|quota|show|list`: accounts in the domain files.
//
// add <address> [--quota MB] [--name TEXT]: the password comes from standard input (one line)
// when that is not a terminal, else from two prompts without echo; it is hashed with
// auth.default_password_scheme. add refuses past max_accounts and an address already in use.
// Edits are atomic and keep the file's comments (config/edit.h). Exit 0 ok, 1 failure, 2 usage.
// TEGAMI_EDIT_PAUSE_MS (tests only) delays the final re-read of an edit, to provoke a
// concurrent hand edit.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "auth/password.h"
#include "command.h"
#include "config/edit.h"
#include "config/load.h"
#include "config/quantity.h"
#include "json_text.h"
#include "password_input.h"

namespace tegami_cli {
namespace {

using tegami::config::Config;

tegami::config::EditOptions edit_options() {
  tegami::config::EditOptions o;
  if (const char* pause = std::getenv("TEGAMI_EDIT_PAUSE_MS"); pause != nullptr) {
    o.pause_before_commit = std::chrono::milliseconds(std::atol(pause));
  }
  return o;
}

std::shared_ptr<const Config> load(const Invocation& inv) {
  auto result = tegami::config::load_config(inv.config_path);
  if (!result.ok()) {
    for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return nullptr;
  }
  return result.config;
}

// Reads and hashes a new password; nullopt (message printed) on failure.
std::optional<std::string> new_password_hash(const Config& config) {
  auto scheme = tegami_auth::parse_hash_scheme(config.auth.default_password_scheme);
  if (!scheme) {
    std::fprintf(stderr, "tegami: auth.default_password_scheme %s cannot make new hashes\n",
                 config.auth.default_password_scheme.c_str());
    return std::nullopt;
  }
  maildir::Result<std::string> hash = read_new_password_hash(*scheme);
  if (!hash.ok()) {
    std::fprintf(stderr, "tegami: %s\n", hash.status().message().c_str());
    return std::nullopt;
  }
  return std::move(hash).value();
}

int report(const maildir::Status& s, const std::string& done) {
  if (!s.ok()) {
    std::fprintf(stderr, "tegami: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("%s\n", done.c_str());
  return 0;
}

std::optional<std::uint64_t> parse_quota(const std::string& text) {
  auto mb = tegami::config::parse_megabytes(text);
  if (!mb || *mb == 0) {
    std::fprintf(stderr, "tegami: quota must be a whole number of MB (50, 50MB, 5GB), got '%s'\n",
                 text.c_str());
    return std::nullopt;
  }
  return mb;
}

int add(const Invocation& inv) {
  std::string address;
  tegami::config::NewAccount account;
  for (size_t i = 0; i < inv.args.size(); ++i) {
    const std::string& a = inv.args[i];
    if (a == "--quota" && i + 1 < inv.args.size()) {
      account.quota_mb = parse_quota(inv.args[++i]);
      if (!account.quota_mb) return 2;
    } else if (a == "--name" && i + 1 < inv.args.size()) {
      account.display_name = inv.args[++i];
      if (account.display_name.find_first_of("\r\n") != std::string::npos) {
        return usage_error("account add");
      }
    } else if (address.empty() && !a.empty() && a[0] != '-') {
      address = a;
    } else {
      return usage_error("account add");
    }
  }
  if (address.empty()) return usage_error("account add");
  auto config = load(inv);
  if (!config) return 1;
  auto hash = new_password_hash(*config);
  if (!hash) return 1;
  account.password_hash = *hash;
  return report(tegami::config::add_account(inv.config_path, address, account, edit_options()),
                "added " + address);
}

int del(const Invocation& inv) {
  if (inv.args.size() != 1) return usage_error("account del");
  return report(tegami::config::delete_account(inv.config_path, inv.args[0], edit_options()),
                "deleted " + inv.args[0] + " (its Maildir is left on disk)");
}

int passwd(const Invocation& inv) {
  if (inv.args.size() != 1) return usage_error("account passwd");
  auto config = load(inv);
  if (!config) return 1;
  if (config->find_account(inv.args[0]) == nullptr) {
    std::fprintf(stderr, "tegami: no account %s\n", inv.args[0].c_str());
    return 1;
  }
  auto hash = new_password_hash(*config);
  if (!hash) return 1;
  return report(tegami::config::set_password(inv.config_path, inv.args[0], *hash, edit_options()),
                "password of " + inv.args[0] + " changed");
}

int quota(const Invocation& inv) {
  if (inv.args.size() != 2) return usage_error("account quota");
  auto mb = parse_quota(inv.args[1]);
  if (!mb) return 2;
  return report(tegami::config::set_quota(inv.config_path, inv.args[0], *mb, edit_options()),
                "quota of " + inv.args[0] + " set to " + std::to_string(*mb) + " MB");
}

std::string account_json(const Config& config, const tegami::config::Domain& d,
                         const tegami::config::Account& a) {
  std::string aliases;
  for (const auto& al : a.aliases) aliases += (aliases.empty() ? "" : ", ") + json_string(al);
  return "{\"address\": " + json_string(a.local_part + "@" + d.name) +
         ", \"display_name\": " + json_string(a.display_name) +
         ", \"quota_mb\": " + std::to_string(a.quota_mb) +
         ", \"enabled\": " + (a.enabled ? "true" : "false") + ", \"aliases\": [" + aliases +
         "], \"plan\": " + json_string(d.plan) +
         ", \"maildir\": " + json_string(config.maildir_path(d, a)) +
         ", \"has_password\": " + (a.password_hash.empty() ? "false" : "true") + "}";
}

int show(const Invocation& inv) {
  bool json = false;
  std::string address;
  for (const auto& a : inv.args) {
    if (a == "--json")
      json = true;
    else if (address.empty() && !a.empty() && a[0] != '-')
      address = a;
    else
      return usage_error("account show");
  }
  if (address.empty()) return usage_error("account show");
  auto config = load(inv);
  if (!config) return 1;
  const tegami::config::Domain* d = nullptr;
  const tegami::config::Account* a = config->find_account(address, &d);
  if (a == nullptr) {
    std::fprintf(stderr, "tegami: no account %s\n", address.c_str());
    return 1;
  }
  if (json) {
    std::printf("%s\n", account_json(*config, *d, *a).c_str());
    return 0;
  }
  std::string aliases;
  for (const auto& al : a->aliases) aliases += (aliases.empty() ? "" : ", ") + al + "@" + d->name;
  std::printf("address:      %s@%s\n", a->local_part.c_str(), d->name.c_str());
  std::printf("display name: %s\n", a->display_name.c_str());
  std::printf("quota:        %llu MB\n", static_cast<unsigned long long>(a->quota_mb));
  std::printf("enabled:      %s\n", a->enabled ? "yes" : "no");
  std::printf("aliases:      %s\n", aliases.c_str());
  std::printf("plan:         %s\n", d->plan.c_str());
  std::printf("maildir:      %s\n", config->maildir_path(*d, *a).c_str());
  return 0;
}

int list(const Invocation& inv) {
  bool json = false;
  std::string domain;
  for (const auto& a : inv.args) {
    if (a == "--json")
      json = true;
    else if (domain.empty() && !a.empty() && a[0] != '-')
      domain = a;
    else
      return usage_error("account list");
  }
  if (domain.empty()) return usage_error("account list");
  auto config = load(inv);
  if (!config) return 1;
  const tegami::config::Domain* d = config->find_domain(domain);
  if (d == nullptr) {
    std::fprintf(stderr, "tegami: unknown domain %s\n", domain.c_str());
    return 1;
  }
  if (json) std::printf("[");
  for (size_t i = 0; i < d->accounts.size(); ++i) {
    const auto& a = d->accounts[i];
    if (json) {
      std::printf("%s%s", i ? ", " : "", account_json(*config, *d, a).c_str());
    } else {
      std::printf("%-40s %8llu MB  %s%s\n", (a.local_part + "@" + d->name).c_str(),
                  static_cast<unsigned long long>(a.quota_mb), a.display_name.c_str(),
                  a.enabled ? "" : " (disabled)");
    }
  }
  if (json) std::printf("]\n");
  return 0;
}

Register r1{{"account add", "<address> [--quota MB] [--name TEXT]",
             "add an account (password from stdin or prompt)", &add}};
Register r2{{"account del", "<address>", "remove an account (the Maildir stays)", &del}};
Register r3{{"account passwd", "<address>", "set a new password (stdin or prompt)", &passwd}};
Register r4{{"account quota", "<address> <MB>", "set the mailbox quota in whole MB", &quota}};
Register r5{{"account show", "<address> [--json]", "one account", &show}};
Register r6{{"account list", "<domain> [--json]", "the accounts of a domain", &list}};

}  // namespace
}  // namespace tegami_cli
