// Recipient resolution for RCPT TO (RFC 5321 §3.6, §7.1: a server never relays for strangers).
//
// resolve_recipient() decides what one forward path means on this server, from the config
// snapshot:
//   kLocal   — `mailboxes` holds the local accounts it delivers to (an account, an account
//              alias, a "+detail" address, a domain alias expanded recursively to local
//              accounts, or — for an unknown local part of a domain with `catch_all` — the
//              catch-all's targets; duplicates removed; at most kMaxAliasDepth levels); `forward`
//              the alias targets on other servers (delivered through the queue); `lists` the
//              mailing lists it posts to (the list address itself, or an alias naming a
//              list: the post is made after DATA by tegami_lists); `list_ctl` the list whose
//              `<list>-ctl` command address it is. `<list>-bounces` resolves to the list's
//              admins (local ones as mailboxes, others in `forward`). At least one of these
//              is not empty.
//   kRemote  — the domain is not ours; whether that is allowed (authenticated submission with
//              a queue) is the session's decision. `remote` holds the address.
//   kRefused — `reply` says why: a relay trick (554 5.7.1), an unknown local user (550 5.1.1),
//              a disabled account (550 5.2.1), `-bounces` of a list without admins
//              (550 5.1.1).
// Pure (reads the snapshot only); any thread while the snapshot is held.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "smtp/path.h"
#include "smtp/reply.h"

namespace tegami_delivery {

inline constexpr int kMaxAliasDepth = 8;

struct LocalMailbox {
  std::string address;     // the account's own address, "local@domain" (Delivered-To)
  std::string maildir;     // its Maildir root (INBOX)
  std::uint64_t quota_mb;  // 0 = unlimited
  tegami::config::QuotaPolicy policy = tegami::config::QuotaPolicy::kOvershoot;
  std::uint32_t quota_warning_percent = 0;  // the plan's; 0 = no quota warning
  bool operator==(const LocalMailbox&) const = default;
};

struct RcptVerdict {
  enum class Kind { kLocal, kRemote, kRefused };
  Kind kind = Kind::kRefused;
  std::vector<LocalMailbox> mailboxes;  // kLocal
  std::vector<std::string> forward;     // kLocal: external alias targets "user@other.example"
  std::vector<std::string> lists;       // kLocal: list addresses posted to "sales@example.com"
  std::string list_ctl;                 // kLocal: list address whose -ctl address this is
  std::string list_bounces;             // kLocal: list address whose -bounces address this is
  std::string remote;                   // kRemote
  tegami_smtp::Reply reply;             // kRefused
};

RcptVerdict resolve_recipient(const tegami::config::Config& config, const tegami_smtp::Path& path);

}  // namespace tegami_delivery
