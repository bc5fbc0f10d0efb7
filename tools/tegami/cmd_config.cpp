// `tegami config check|dump|example`: validate the configuration, print the effective one,
// print the documented example generated from the key table.
//
// config check: exit 0 when valid (warnings printed), 1 on errors. Diagnostics go to stderr,
// one per line: errors as `file:line:col: message`, warnings as `file:line:col: warning: message`.
#include <cstdio>

#include "auth/password.h"
#include "command.h"
#include "config/load.h"

namespace tegami_cli {
namespace {

using tegami::config::Diagnostic;

void print_warning(const Diagnostic& d) {
  Diagnostic w = d;
  w.message = "warning: " + w.message;
  std::fprintf(stderr, "%s\n", w.to_string().c_str());
}

// Hash problems the loader cannot judge (it does not know the schemes): warnings only.
std::vector<Diagnostic> hash_warnings(const tegami::config::Config& config) {
  std::vector<Diagnostic> out;
  for (const auto& d : config.domains) {
    for (const auto& a : d.accounts) {
      if (a.password_hash.empty()) continue;
      tegami_auth::StoredHashInfo info = tegami_auth::inspect_stored_hash(a.password_hash);
      std::string who = a.local_part + "@" + d.name;
      if (!info.supported) {
        out.push_back({d.source_file, 0, 0,
                       "password of " + who + " uses an unsupported or malformed {" + info.scheme +
                           "} hash: that account cannot log in"});
      } else if (info.plaintext) {
        out.push_back({d.source_file, 0, 0, "password of " + who + " is stored in plain text"});
      } else if (info.weak) {
        out.push_back({d.source_file, 0, 0,
                       "password of " + who + " uses a weak hash (" + info.scheme +
                           "); set a new one with `tegami account passwd`"});
      }
    }
  }
  return out;
}

int check(const Invocation& inv) {
  if (!inv.args.empty()) return usage_error("config check");
  auto result = tegami::config::load_config(inv.config_path);
  for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  for (const auto& w : result.warnings) print_warning(w);
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %zu error(s)\n", inv.config_path.c_str(), result.errors.size());
    return 1;
  }
  size_t accounts = 0;
  std::vector<Diagnostic> more = hash_warnings(*result.config);
  for (const auto& w : more) print_warning(w);
  for (const auto& d : result.config->domains) accounts += d.accounts.size();
  std::printf("%s: ok (%zu files, %zu domains, %zu accounts, %zu warnings)\n",
              inv.config_path.c_str(), result.config->files.size(), result.config->domains.size(),
              accounts, result.warnings.size() + more.size());
  return 0;
}

int dump(const Invocation& inv) {
  if (!inv.args.empty()) return usage_error("config dump");
  auto result = tegami::config::load_config(inv.config_path);
  if (!result.ok()) {
    for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  std::fputs(tegami::config::dump_config(*result.config).c_str(), stdout);
  return 0;
}

int example(const Invocation& inv) {
  if (!inv.args.empty()) return usage_error("config example");
  std::fputs(tegami::config::example_config().c_str(), stdout);
  return 0;
}

Register r1{{"config check", "", "validate the configuration (exit 1 on errors)", &check}};
Register r2{{"config dump", "", "print the effective configuration with defaults", &dump}};
Register r3{{"config example", "", "print the documented example with every key", &example}};

}  // namespace
}  // namespace tegami_cli
