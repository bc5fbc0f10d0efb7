#include "imap/shared_archive.h"

#include <algorithm>
#include <cctype>

#include "lists/post.h"
#include "maildir/mutf7.h"

namespace imap {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// The addresses that stand for the account: its own and its aliases' (lower-case).
std::vector<std::string> own_addresses(const tegami::config::Config& config,
                                       const tegami::login::Identity& id) {
  std::vector<std::string> out{lower(id.address)};
  const tegami::config::Domain* d = nullptr;
  const tegami::config::Account* a = config.find_account(id.address, &d);
  if (a && d) {
    for (const std::string& alias : a->aliases) out.push_back(lower(alias) + "@" + d->name);
  }
  return out;
}

}  // namespace

bool in_shared_namespace(std::string_view name) {
  std::string_view bare = kSharedPrefix.substr(0, kSharedPrefix.size() - 1);
  return name == bare || name.starts_with(kSharedPrefix);
}

std::vector<SharedArchive> shared_archives(const tegami::config::Config& config,
                                           const tegami::login::Identity& id) {
  std::vector<SharedArchive> out;
  std::vector<std::string> mine = own_addresses(config, id);
  for (const tegami::config::Domain& d : config.domains) {
    for (const tegami::config::MailingList& l : d.lists) {
      if (!l.archive) continue;
      bool admin = std::any_of(l.admins.begin(), l.admins.end(), [&](const std::string& a) {
        return std::find(mine.begin(), mine.end(), lower(a)) != mine.end();
      });
      if (!admin) continue;
      out.push_back({std::string(kSharedPrefix) + l.local_part + "@" + d.name,
                     tegami_lists::list_state_dir(config, d, l) + "/archive"});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const SharedArchive& x, const SharedArchive& y) { return x.name < y.name; });
  return out;
}

std::optional<SharedArchive> find_shared_archive(const Arg& arg,
                                                 const tegami::config::Config& config,
                                                 const tegami::login::Identity& id) {
  if (!arg.is_astring()) return std::nullopt;
  auto utf8 = maildir::decode_mutf7(arg.text);
  if (!utf8.ok() || !in_shared_namespace(*utf8)) return std::nullopt;
  std::string wanted = lower(*utf8);
  for (SharedArchive& a : shared_archives(config, id)) {
    if (a.name == wanted) return a;
  }
  return SharedArchive{*utf8, ""};
}

}  // namespace imap
