// QUOTA (RFC 9208): GETQUOTA, GETQUOTAROOT, SETQUOTA. Every mailbox of a user belongs to one
// quota root, "User quota" (Dovecot's default name), whose STORAGE is the maildirsize usage in
// KB (1024 bytes, rounded down as Dovecot does) against the account's quota_mb. An account
// without a limit has no quota root: GETQUOTAROOT lists none (RFC 9208 4.3.2 allows a mailbox
// without roots). SETQUOTA is refused: quotas are the administrator's (tegami account ...).
#include <memory>

#include "imap/command_table.h"
#include "imap/mailbox_names.h"
#include "imap/response_code.h"
#include "imap/session.h"
#include "imap/user_storage.h"
#include "maildir/maildir.h"
#include "maildir/quota.h"

namespace imap {

namespace {

struct QuotaOutcome {
  maildir::Status status;
  std::string untagged;
};

// "* QUOTA "User quota" (STORAGE used limit)\r\n" from a fresh usage() (recalculated when the
// maildirsize rules say so). Blocking.
maildir::Status quota_line(const std::string& root, const maildir::QuotaOptions& options,
                           std::string& out) {
  maildir::Quota quota(root, options);
  auto usage = quota.usage();
  if (!usage.ok()) return usage.status();
  std::int64_t bytes = usage->bytes < 0 ? 0 : usage->bytes;
  std::string res;
  if (options.limit && options.limit->bytes != 0) {
    res += "STORAGE " + std::to_string(static_cast<std::uint64_t>(bytes) / 1024) + " " +
           std::to_string(options.limit->bytes / 1024);
  }
  if (options.limit && options.limit->count != 0) {
    if (!res.empty()) res += ' ';
    res += "MESSAGE " + std::to_string(usage->count < 0 ? 0 : usage->count) + " " +
           std::to_string(options.limit->count);
  }
  out += "* QUOTA " + quote_string(kQuotaRootName) + " (" + res + ")\r\n";
  return {};
}

bool has_root(const tegami::login::Identity& id) {
  return id.quota_bytes != 0;
}

void run(Session& s, const std::string& tag, std::string ok_text,
         std::function<void(QuotaOutcome&)> work) {
  auto out = std::make_shared<QuotaOutcome>();
  s.blocking([out, work] { work(*out); },
             [&s, out, tag, ok_text] {
               if (!out->status.ok()) {
                 s.tagged(tag, no_response(out->status));
                 return;
               }
               s.conn().send(out->untagged);
               s.tagged(tag, "OK " + ok_text);
             });
}

}  // namespace

void cmd_getquota(Session& s, Command& c) {
  if (!c.args[0].is_astring()) {
    s.bad(c.tag, "Invalid quota root.");
    return;
  }
  const tegami::login::Identity& id = s.identity();
  if (!has_root(id) || c.args[0].text != kQuotaRootName) {
    s.tagged(c.tag, "NO [NONEXISTENT] Quota root does not exist.");
    return;
  }
  run(s, c.tag, "Getquota completed.",
      [root = id.maildir_path, opts = quota_options(id, *s.options().config)](QuotaOutcome& o) {
        o.status = quota_line(root, opts, o.untagged);
      });
}

void cmd_getquotaroot(Session& s, Command& c) {
  auto name = mailbox_from_wire(c.args[0], s.wire_names());
  if (!name.ok()) {
    if (!c.args[0].is_astring()) {
      s.bad(c.tag, "Invalid mailbox name.");
    } else {
      s.tagged(c.tag, no_response(name.status()));
    }
    return;
  }
  const tegami::login::Identity& id = s.identity();
  run(s, c.tag, "Getquotaroot completed.",
      [root = id.maildir_path, opts = quota_options(id, *s.options().config), with = has_root(id),
       mo = maildir_options(*s.options().config), mailbox = *name,
       names = s.wire_names()](QuotaOutcome& o) {
        auto md = maildir::Maildir::open(root, mo);
        if (!md.ok()) {
          o.status = md.status();
          return;
        }
        auto dir = md->folder_path(mailbox);
        if (!dir.ok()) {
          o.status = dir.status();
          return;
        }
        o.untagged = "* QUOTAROOT " + mailbox_to_wire(mailbox, names);
        if (with) o.untagged += " " + quote_string(kQuotaRootName);
        o.untagged += "\r\n";
        if (with) o.status = quota_line(root, opts, o.untagged);
      });
}

void cmd_setquota(Session& s, Command& c) {
  if (!c.args[0].is_astring() || c.args[1].kind != Arg::Kind::kList) {
    s.bad(c.tag, "Invalid SETQUOTA arguments.");
    return;
  }
  s.tagged(c.tag, "NO [NOPERM] Quotas are set by the administrator.");
}

}  // namespace imap
