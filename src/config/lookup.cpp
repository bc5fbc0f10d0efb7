// Config's lookups, Cidr matching and the enum spellings.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "config/config.h"

namespace tegami::config {

std::string_view to_string(Protocol value) {
  switch (value) {
    case Protocol::kSmtp:
      return "smtp";
    case Protocol::kSubmission:
      return "submission";
    case Protocol::kPop3:
      return "pop3";
    case Protocol::kImap:
      return "imap";
  }
  return "?";
}
std::string_view to_string(TlsMode value) {
  switch (value) {
    case TlsMode::kNone:
      return "none";
    case TlsMode::kStartTls:
      return "starttls";
    case TlsMode::kImplicit:
      return "implicit";
  }
  return "?";
}
std::string_view to_string(DeliverySync value) {
  return value == DeliverySync::kJournal ? "journal" : "fsync";
}

std::string_view to_string(MailboxNameEncoding value) {
  return value == MailboxNameEncoding::kMutf7 ? "mutf7" : "utf8";
}
std::string_view to_string(QuotaPolicy value) {
  return value == QuotaPolicy::kOvershoot ? "overshoot" : "strict";
}
std::string_view to_string(DkimAlgorithm value) {
  return value == DkimAlgorithm::kRsaSha256 ? "rsa-sha256" : "ed25519-sha256";
}
std::string_view to_string(UidlFormat value) {
  return value == UidlFormat::kDovecot ? "dovecot" : "courier";
}
std::string_view to_string(PostingPolicy value) {
  switch (value) {
    case PostingPolicy::kAnyone:
      return "anyone";
    case PostingPolicy::kMembers:
      return "members";
    case PostingPolicy::kAdmins:
      return "admins";
  }
  return "?";
}
std::string_view to_string(ReplyToPolicy value) {
  switch (value) {
    case ReplyToPolicy::kKeep:
      return "keep";
    case ReplyToPolicy::kList:
      return "list";
    case ReplyToPolicy::kSender:
      return "sender";
  }
  return "?";
}

bool Cidr::contains(int addr_family, const unsigned char* addr) const {
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (addr_family == AF_INET6 && family == AF_INET && std::memcmp(addr, kMapped, 12) == 0) {
    addr += 12;
    addr_family = AF_INET;
  }
  if (addr_family != family) return false;
  int full = prefix_length / 8;
  if (std::memcmp(addr, bytes, static_cast<size_t>(full)) != 0) return false;
  int rest = prefix_length % 8;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (addr[full] & mask) == (bytes[full] & mask);
}

bool Plan::allows(Protocol p) const {
  return std::find(protocols.begin(), protocols.end(), p) != protocols.end();
}

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool split_address(std::string_view address, std::string& local, std::string& domain) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  local = lower(address.substr(0, at));
  domain = lower(address.substr(at + 1));
  return true;
}

AddressTarget resolve_local(const Domain& d, const std::string& local) {
  AddressTarget t;
  t.domain = &d;
  for (const Account& a : d.accounts) {
    if (a.local_part == local) {
      t.kind = AddressTarget::Kind::kAccount;
      t.account = &a;
      return t;
    }
  }
  for (const Account& a : d.accounts) {
    if (std::find(a.aliases.begin(), a.aliases.end(), local) != a.aliases.end()) {
      t.kind = AddressTarget::Kind::kAccount;
      t.account = &a;
      return t;
    }
  }
  for (const Alias& al : d.aliases) {
    if (al.local_part == local) {
      t.kind = AddressTarget::Kind::kAlias;
      t.alias = &al;
      return t;
    }
  }
  for (const MailingList& l : d.lists) {
    if (l.local_part == local) {
      t.kind = AddressTarget::Kind::kList;
      t.list = &l;
      return t;
    }
  }
  t.domain = nullptr;
  return t;
}
}  // namespace

const Domain* Config::find_domain(std::string_view name) const {
  std::string key = lower(name);
  for (const Domain& d : domains) {
    if (d.name == key) return &d;
  }
  return nullptr;
}

const Plan* Config::find_plan(std::string_view name) const {
  for (const Plan& p : plans) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const Plan& Config::plan_of(const Domain& domain) const {
  const Plan* p = find_plan(domain.plan);
  if (p != nullptr) return *p;
  static const Plan kFallback;  // unreachable for a loaded Config (the loader checks plans)
  return kFallback;
}

const Account* Config::find_account(std::string_view address, const Domain** domain) const {
  std::string local, dom;
  if (!split_address(address, local, dom)) return nullptr;
  const Domain* d = find_domain(dom);
  if (d == nullptr) return nullptr;
  for (const Account& a : d->accounts) {
    if (a.local_part == local) {
      if (domain != nullptr) *domain = d;
      return &a;
    }
  }
  return nullptr;
}

AddressTarget Config::resolve(std::string_view address) const {
  std::string local, dom;
  if (!split_address(address, local, dom)) return {};
  const Domain* d = find_domain(dom);
  if (d == nullptr) return {};
  AddressTarget t = resolve_local(*d, local);
  if (t.kind != AddressTarget::Kind::kNone) return t;
  size_t plus = local.find('+');
  if (plus != std::string::npos && plus > 0) return resolve_local(*d, local.substr(0, plus));
  return {};
}

std::string Config::maildir_path(const Domain& domain, const Account& account) const {
  return server.mail_root + "/" + domain.name + "/" + account.local_part;
}

}  // namespace tegami::config
