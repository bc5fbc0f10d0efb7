// fuzz-links: tegami_config
// Account edits on arbitrary domain files: whenever the file loads and an edit succeeds, the
// result loads and every other account, alias and list is exactly as before (a surgical edit
// never damages what it was not asked to touch).
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/edit.h"
#include "config/load.h"

namespace {

using tegami::config::Account;
using tegami::config::Config;
using tegami::config::Domain;

const std::string& dir() {
  static const std::string d = [] {
    std::string t = (std::filesystem::temp_directory_path() / "tegami-fuzz-edit-XXXXXX").string();
    if (mkdtemp(t.data()) == nullptr) std::abort();
    std::filesystem::create_directories(t + "/domains");
    std::ofstream(t + "/tegami.yaml") << "";
    return t;
  }();
  return d;
}

bool same(const Account& a, const Account& b) {
  return a.local_part == b.local_part && a.password_hash == b.password_hash &&
         a.quota_mb == b.quota_mb && a.display_name == b.display_name && a.enabled == b.enabled &&
         a.aliases == b.aliases;
}

// Every account of `before` except `skip` is unchanged in `after`; aliases and lists too.
void check_untouched(const Domain& before, const Domain& after, const std::string& skip) {
  for (const Account& a : before.accounts) {
    if (a.local_part == skip) continue;
    bool found = false;
    for (const Account& b : after.accounts) {
      if (b.local_part == a.local_part) {
        if (!same(a, b)) std::abort();
        found = true;
      }
    }
    if (!found) std::abort();
  }
  if (before.aliases.size() != after.aliases.size()) std::abort();
  if (before.lists.size() != after.lists.size()) std::abort();
  if (before.max_accounts != after.max_accounts || before.plan != after.plan) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string main = dir() + "/tegami.yaml";
  const std::string file = dir() + "/domains/d.yaml";
  const int op = data[0] % 3;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  tegami::config::LoadOptions load;
  load.check_tls_files = false;
  auto before = tegami::config::load_config(main, load);
  if (!before.ok() || before.config->domains.size() != 1) return 0;
  const Domain& d = before.config->domains[0];
  tegami::config::EditOptions options;
  options.load = load;
  options.lock_wait = std::chrono::milliseconds(0);

  std::string target;
  maildir::Status s;
  if (op == 0) {
    target = "fuzznew";
    tegami::config::NewAccount a;
    a.password_hash = "{X}y";
    a.display_name = "N: \"q\" \\";
    s = tegami::config::add_account(main, target + "@" + d.name, a, options);
  } else if (!d.accounts.empty()) {
    target = d.accounts[size % d.accounts.size()].local_part;
    s = op == 1 ? tegami::config::delete_account(main, target + "@" + d.name, options)
                : tegami::config::set_quota(main, target + "@" + d.name, 7, options);
  } else {
    return 0;
  }
  if (!s.ok()) return 0;
  auto after = tegami::config::load_config(main, load);
  if (!after.ok() || after.config->domains.size() != 1) std::abort();
  const Domain& e = after.config->domains[0];
  check_untouched(d, e, target);
  const Account* t = after.config->find_account(target + "@" + d.name);
  if (op == 0 && (t == nullptr || t->display_name != "N: \"q\" \\")) std::abort();
  if (op == 1 && t != nullptr) std::abort();
  if (op == 2 && (t == nullptr || t->quota_mb != 7)) std::abort();
  return 0;
}
