#include "pop3/maildrop.h"

#include <sys/stat.h>
#include <algorithm>
#include <charconv>

#include <cerrno>

#include "maildir/uidlist.h"

namespace tegami::pop3 {

std::string format_uidl(config::UidlFormat format, std::uint32_t uid, std::uint32_t uidvalidity) {
  if (format == config::UidlFormat::kCourier) {
    return "UID" + std::to_string(uid) + "-" + std::to_string(uidvalidity);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int k = 0; k < 8; ++k) {
    out[7 - k] = kHex[(uid >> (4 * k)) & 0xf];
    out[15 - k] = kHex[(uidvalidity >> (4 * k)) & 0xf];
  }
  return out;
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

  // The uidlist's POP3 fields ('P' UIDL, 'O' order), read in one pass over its records.
  // Most lists have neither: then no lookups per message and no sort.
  std::vector<std::pair<std::uint32_t, std::string_view>> uidls;  // by UID (records are sorted)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> orders;
  std::optional<maildir::UidList> uidlist;
  if (auto l = maildir::UidList::load(dir); l.ok()) {
    uidlist.emplace(std::move(l).value());
    for (const maildir::UidRecord& r : uidlist->records()) {
      if (auto p = r.field('P'); p && !p->empty()) uidls.emplace_back(r.uid, *p);
      if (auto o = r.field('O')) {
        std::uint32_t order = 0;
        auto [end, ec] = std::from_chars(o->data(), o->data() + o->size(), order);
        if (ec == std::errc() && end == o->data() + o->size()) orders.emplace_back(r.uid, order);
      }
    }
    std::sort(uidls.begin(), uidls.end());
    std::sort(orders.begin(), orders.end());
  }
  auto find = [](const auto& v, std::uint32_t uid) {
    auto it = std::lower_bound(v.begin(), v.end(), uid,
                               [](const auto& e, std::uint32_t u) { return e.first < u; });
    return it != v.end() && it->first == uid ? &it->second : nullptr;
  };

  drop->uidl_format_ = identity.uidl_format;
  std::vector<DropMessage>& list = drop->messages_;
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
    m.index = i;
    if (!uidls.empty()) {
      if (const std::string_view* p = find(uidls, m.uid)) m.uidl_record = std::string(*p);
    }
    list.push_back(std::move(m));
  }
  if (!orders.empty()) {
    // 'O' records first, in their order; the rest after them in UID order (the view's order).
    auto key = [&](const DropMessage& m) {
      const std::uint32_t* o = find(orders, m.uid);
      return o ? std::uint64_t{*o} : (std::uint64_t{1} << 32) + m.uid;
    };
    std::stable_sort(list.begin(), list.end(),
                     [&](const DropMessage& a, const DropMessage& b) { return key(a) < key(b); });
  }
  (void)mb.save_index();  // keep the computed vsizes for the next session
  return drop;
}

std::string Maildrop::uidl(const DropMessage& m) const {
  if (!m.uidl_record.empty()) return m.uidl_record;
  return format_uidl(uidl_format_, m.uid, mailbox_.uid_validity());
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
