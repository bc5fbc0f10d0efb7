// The shared namespace (RFC 2342): mailing-list archives offered read-only to the list's admins.
//
// Each list with `archive: true` has its archive Maildir at
// <mail_root>/<domain>/.lists/<list>/archive (tegami_lists::list_state_dir). An admin of the
// list sees it as "shared/<list address>" (Dovecot's shared namespace prefix "shared/",
// separator "/"); everyone else sees nothing there. Names under "shared/" never name a
// personal folder (mailbox_from_wire refuses them with NOPERM).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "imap/parser.h"
#include "login/login.h"

namespace imap {

// The shared namespace's prefix, as in NAMESPACE and LIST.
inline constexpr std::string_view kSharedPrefix = "shared/";

// True for "shared" and every "shared/..." name (UTF-8 API form, case-sensitive as Dovecot's
// namespace prefixes).
bool in_shared_namespace(std::string_view name);

struct SharedArchive {
  std::string name;  // "shared/sales@example.com"
  std::string dir;   // the archive Maildir
};

// The archives `id` may read: lists with `archive: true` of which the account (its address or
// one of its aliases) is an admin; sorted by name. Pure.
std::vector<SharedArchive> shared_archives(const tegami::config::Config& config,
                                           const tegami::login::Identity& id);

// The archive a mailbox argument names. nullopt: the argument is not in the shared namespace.
// A SharedArchive with an empty dir: it is, but names nothing this user may read.
std::optional<SharedArchive> find_shared_archive(const Arg& arg,
                                                 const tegami::config::Config& config,
                                                 const tegami::login::Identity& id);

}  // namespace imap
