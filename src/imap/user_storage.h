// The storage settings of a logged-in IMAP user, as the storage library wants them: the folder
// name encoding on disk (server.mailbox_name_encoding) and the quota — the same limit, grace
// and policy SMTP delivery uses (src/delivery/local_delivery.cpp), so a mailbox is judged
// alike whichever way mail comes in. Pure.
#pragma once

#include <string>

#include "config/config.h"
#include "login/login.h"
#include "maildir/maildir.h"
#include "maildir/quota.h"

namespace imap {

// The name of the one quota root every mailbox of a user belongs to, as Dovecot names its
// default root ("User quota").
inline constexpr std::string_view kQuotaRootName = "User quota";

// Limit = quota_mb of the account (0: unlimited, nothing is ever refused), grace =
// the largest message size (the lenient policy lets one message take the mailbox over).
maildir::QuotaOptions quota_options(const tegami::login::Identity& id,
                                    const tegami::config::Config& config);
maildir::QuotaPolicy quota_policy(const tegami::login::Identity& id);

// Folder names on disk: modified UTF-7 (default, as Dovecot) or UTF-8 (as Courier).
maildir::MaildirOptions maildir_options(const tegami::config::Config& config);

}  // namespace imap
