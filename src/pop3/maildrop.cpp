#include "pop3/maildrop.h"

#include <sys/stat.h>
#include <algorithm>

#include <cerrno>
#include <cstdio>

#include "maildir/uidlist.h"

namespace tegami::pop3 {

std::string format_uidl(config::UidlFormat format, std::uint32_t uid, std::uint32_t uidvalidity) {
  char buf[48];
  if (format == config::UidlFormat::kCourier) {
    std::snprintf(buf, sizeof buf, "UID%u-%u", uid, uidvalidity);
  } else {
    std::snprintf(buf, sizeof buf, "%08x%08x", uid, uidvalidity);
  }
  return buf;
}

maildir::Result<std::unique_ptr<Maildrop>> Maildrop::open(const login::Identity& identity) {
  const std::string& dir = identity.maildir_path;
  maildir::MailboxOptions options;
  if (identity.quota_bytes > 0) {
    options.quota.limit = maildir::QuotaLimit{identity.quota_bytes, 0};
  }
  options.quota_policy = identity.quota_policy == config::QuotaPolicy::kStrict
                             ? maildir::QuotaPolicy::kStrict
                             : maildir::QuotaPolicy::kOvershoot;
  options.quota_root = dir;
  // A user's Maildir may not exist before the first delivery: create it, as delivery would.
  for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
    std::string p = dir + sub;
    if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) {
      if (errno == ENOENT && sub[0] == '\0') {
        // The domain directory is missing too.
        std::string parent = dir.substr(0, dir.rfind('/'));
        ::mkdir(parent.c_str(), 0700);
        if (::mkdir(p.c_str(), 0700) == 0 || errno == EEXIST) continue;
      }
      return maildir::from_errno(errno, "mkdir " + p);
    }
  }
  auto lock = maildir::DotLock::acquire(dir + "/" + kPop3LockName);
  if (!lock.ok()) return lock.status();
  if (options.quota.limit) {
    // Brings maildirsize up to date with the configured limit (recalculated when missing or
    // stale), so QUIT's expunge lines land in a file that counts everything.
    auto usage = maildir::Quota(dir, options.quota).usage();
    if (!usage.ok()) return usage.status();
  }
  auto mailbox = maildir::Mailbox::open(dir, options);
  if (!mailbox.ok()) return mailbox.status();
  std::unique_ptr<Maildrop> drop(new Maildrop(std::move(lock).value(), std::move(mailbox).value()));
  maildir::Mailbox& mb = drop->mailbox_;

  std::optional<maildir::UidList> uidlist;
  if (auto l = maildir::UidList::load(dir); l.ok()) uidlist.emplace(std::move(l).value());

  struct Keyed {
    std::uint64_t key;
    DropMessage msg;
  };
  std::vector<Keyed> list;
  list.reserve(mb.count());
  for (std::size_t i = 0; i < mb.count(); ++i) {
    auto vsize = mb.vsize(i);
    if (!vsize.ok()) {
      if (vsize.status().code() == maildir::Code::kNotFound) continue;  // expunged meanwhile
      return vsize.status();
    }
    DropMessage m;
    m.uid = mb.record(i).uid;
    m.size = *vsize;
    m.path = mb.path(i);
    std::optional<std::string_view> p = uidlist ? uidlist->pop3_uidl(m.uid) : std::nullopt;
    m.uidl = p && !p->empty() ? std::string(*p)
                              : format_uidl(identity.uidl_format, m.uid, mb.uid_validity());
    std::optional<std::uint32_t> order = uidlist ? uidlist->pop3_order(m.uid) : std::nullopt;
    // 'O' records first, in their order; the rest after them in UID order.
    std::uint64_t key = order ? *order : (std::uint64_t{1} << 32) + m.uid;
    list.push_back({key, std::move(m)});
  }
  std::stable_sort(list.begin(), list.end(),
                   [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
  for (Keyed& k : list) drop->messages_.push_back(std::move(k.msg));
  (void)mb.save_index();  // keep the computed vsizes for the next session
  return drop;
}

maildir::Result<std::size_t> Maildrop::commit(bool mark_seen) {
  if (mark_seen) {
    std::vector<std::uint32_t> seen;
    for (const DropMessage& m : messages_) {
      if (m.retrieved && !m.deleted) seen.push_back(m.uid);
    }
    if (!seen.empty()) {
      maildir::FlagStore change;
      change.mode = maildir::StoreMode::kAdd;
      change.system = maildir::kFlagSeen;
      auto stored = mailbox_.store(seen, change);
      if (!stored.ok()) return stored.status();
    }
  }
  std::vector<std::uint32_t> gone;
  for (const DropMessage& m : messages_) {
    if (m.deleted) gone.push_back(m.uid);
  }
  if (gone.empty()) return std::size_t{0};
  auto expunged = mailbox_.expunge(gone);
  if (!expunged.ok()) return expunged.status();
  return expunged->size();
}

}  // namespace tegami::pop3
