// Reading the files and the validation that spans keys: names, plans, contract limits,
// duplicate addresses, certificate files, the quota-sum warning.
#include "config/load.h"

#include "maildir/mailbox_name.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include <yaml-cpp/depthguard.h>

#include "config/schema.h"

namespace tegami::config {

std::string Diagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

namespace fs = std::filesystem;
using schema::Ctx;
using schema::Pos;

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool valid_local_part(const std::string& s) {
  if (s.empty() || s.size() > 64 || s.front() == '.' || s.back() == '.') return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return s.find("..") == std::string::npos;
}

bool valid_domain(const std::string& s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.' || s.front() == '-') {
    return false;
  }
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  return s.find("..") == std::string::npos;
}

// A target written in the files: "name" gets "@domain"; the result is lower-case.
std::string full_address(const std::string& s, const std::string& domain) {
  std::string a = lower(s);
  if (a.find('@') == std::string::npos) a += "@" + domain;
  return a;
}

bool valid_address(const std::string& a) {
  size_t at = a.rfind('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size();
}

// Reads a file (or its override). False with errno-style reason on failure.
bool read_text(const std::string& abs, const LoadOptions& options, std::string& out,
               std::string& why) {
  if (auto it = options.file_overrides.find(abs); it != options.file_overrides.end()) {
    out = it->second;
    return true;
  }
  std::ifstream in(abs, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return false;
  }
  out = ss.str();
  return true;
}

// Parses YAML text; reports syntax errors with their position. Null node on failure.
bool parse_yaml(const std::string& text, const std::string& display,
                std::vector<Diagnostic>& errors, YAML::Node& out) {
  try {
    out = YAML::Load(text);
    return true;
  } catch (const YAML::DeepRecursion& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    int col = e.mark.is_null() ? 0 : e.mark.column + 1;
    errors.push_back({display, line, col, "YAML nesting is too deep"});
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    int col = e.mark.is_null() ? 0 : e.mark.column + 1;
    errors.push_back({display, line, col, "YAML syntax: " + e.msg});
  } catch (const std::exception& e) {
    errors.push_back({display, 0, 0, std::string("YAML: ") + e.what()});
  }
  return false;
}

struct LoadedDomain {
  schema::DomainDoc doc;
  std::string display;  // file name in diagnostics
  std::string abs;      // file path for edits
};

class Validator {
 public:
  Validator(std::vector<Diagnostic>& errors, std::vector<Diagnostic>& warnings,
            const LoadOptions& options)
      : errors_(errors), warnings_(warnings), options_(options) {}

  void error(const std::string& file, Pos p, std::string message) {
    errors_.push_back({file, p.line, p.column, std::move(message)});
  }
  void warning(const std::string& file, Pos p, std::string message) {
    warnings_.push_back({file, p.line, p.column, std::move(message)});
  }
  static std::string where(const std::string& file, Pos p) {
    return file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
  }

  // Reports an unreadable file; true when readable.
  bool check_readable(const std::string& file, Pos p, const std::string& path, const char* what) {
    if (!options_.check_tls_files) return true;
    if (access(path.c_str(), R_OK) == 0) return true;
    error(file, p, std::string("cannot read ") + what + " '" + path + "': " + std::strerror(errno));
    return false;
  }

  void server(ServerConfig& s) {
    if (s.hostname.empty()) {
      char buf[256] = {};
      if (gethostname(buf, sizeof buf - 1) == 0) s.hostname = buf;
      if (s.hostname.empty()) s.hostname = "localhost";
    }
    if (s.worker_loops == 0) s.worker_loops = std::max(1u, std::thread::hardware_concurrency());
  }

  // Outbound: relays complete and unique, schedule and timeouts positive, DNS servers parse.
  void outbound(const std::string& file, schema::OutboundDoc& d, OutboundConfig& out) {
    out = d.v;
    auto relay = [&](RelayHost h, const schema::KeyPos& keys) {
      std::transform(h.domain.begin(), h.domain.end(), h.domain.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (h.host.empty()) error(file, keys.at("host"), "relay host must not be empty");
      if (h.port == 0) error(file, keys.at("port"), "relay port must not be 0");
      if (!h.password.empty() && h.user.empty())
        error(file, keys.at("password"), "a relay password needs a user");
      if (!h.user.empty() && h.tls == TlsMode::kNone)
        warning(file, keys.at("user"), "the relay password is sent without TLS (tls: none)");
      return h;
    };
    if (d.smarthost) out.smarthost = relay(d.smarthost->v, d.smarthost->keys);
    std::map<std::string, Pos> seen;
    out.domain_smarthosts.clear();
    for (auto& r : d.domain_smarthosts) {
      RelayHost h = relay(r.v, r.keys);
      if (h.domain.empty()) error(file, r.keys.at("domain"), "relay domain must not be empty");
      if (!h.domain.empty() && !seen.emplace(h.domain, r.keys.at("domain")).second)
        error(file, r.keys.at("domain"), "domain '" + h.domain + "' already has a relay");
      out.domain_smarthosts.push_back(std::move(h));
    }
    if (out.connections_per_domain == 0)
      error(file, d.keys.at("connections_per_domain"), "must be at least 1");
    if (out.retry_first.count() <= 0) error(file, d.keys.at("retry_first"), "must be at least 1s");
    if (out.retry_max < out.retry_first)
      error(file, d.keys.at("retry_max"), "must not be shorter than retry_first");
    if (out.expire.count() <= 0) error(file, d.keys.at("expire"), "must be at least 1s");
    for (const char* k : {"connect_timeout", "command_timeout", "data_timeout"}) {
      auto v = std::string(k) == "connect_timeout"   ? out.connect_timeout
               : std::string(k) == "command_timeout" ? out.command_timeout
                                                     : out.data_timeout;
      if (v.count() <= 0) error(file, d.keys.at(k), std::string(k) + " must be positive");
    }
    if (!valid_dns_servers(out.dns_servers))
      error(file, d.keys.at("dns_servers"),
            "expected a comma list of ip or ip:port ([v6]:port), got '" + out.dns_servers + "'");
  }

  static bool valid_dns_servers(const std::string& list) {
    if (list.empty()) return true;
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ',')) {
      std::string host = item, port;
      if (!item.empty() && item[0] == '[') {
        size_t close = item.find(']');
        if (close == std::string::npos) return false;
        host = item.substr(1, close - 1);
        if (close + 1 < item.size()) {
          if (item[close + 1] != ':') return false;
          port = item.substr(close + 2);
        }
      } else if (size_t colon = item.find(':');
                 colon != std::string::npos && item.find(':', colon + 1) == std::string::npos) {
        host = item.substr(0, colon);
        port = item.substr(colon + 1);
      }
      unsigned char buf[16];
      if (inet_pton(AF_INET, host.c_str(), buf) != 1 && inet_pton(AF_INET6, host.c_str(), buf) != 1)
        return false;
      if (!port.empty()) {
        if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
          return false;
        unsigned long n = std::stoul(port);
        if (n == 0 || n > 65535) return false;
      }
    }
    return true;
  }

  // The idle timeout may be shortened (tests do), but RFC 1939 §3 asks for 10 minutes at least.
  void pop3(const std::string& file, Pos p, const Pop3Config& c) {
    if (c.idle_timeout.count() <= 0) {
      error(file, p, "pop3.idle_timeout must be at least 1s");
    } else if (c.idle_timeout < std::chrono::minutes(10)) {
      warning(file, p, "pop3.idle_timeout is below the 10 minutes RFC 1939 asks for");
    }
  }

  // SPECIAL-USE names must be valid, distinct mailbox names other than INBOX.
  void imap(const std::string& file, Pos p, ImapConfig& c) {
    std::map<std::string, std::string> seen;
    for (auto [key, name] : {std::pair<const char*, std::string*>{"drafts", &c.drafts},
                             {"sent", &c.sent},
                             {"trash", &c.trash},
                             {"junk", &c.junk},
                             {"archive", &c.archive}}) {
      auto n = maildir::normalize_mailbox_name(*name);
      if (!n.ok() || *n == "INBOX") {
        error(file, p, std::string("imap.") + key + ": '" + *name + "' is not a folder name");
        continue;
      }
      *name = *n;
      if (auto [it, fresh] = seen.emplace(*n, key); !fresh) {
        error(file, p, std::string("imap.") + key + ": '" + *name + "' is also imap." + it->second);
      }
    }
  }

  void listeners(const std::string& file, std::vector<schema::ListenerDoc>& ls,
                 const TlsConfig& tls, std::vector<Listener>& out) {
    std::map<std::string, Pos> names;
    std::map<std::string, Pos> sockets;
    for (auto& l : ls) {
      if (auto [it, fresh] = names.emplace(l.v.name, l.keys.at("name")); !fresh) {
        error(file, l.keys.at("name"),
              "listener name '" + l.v.name + "' already used at " + where(file, it->second));
      }
      std::string sock = l.v.address + "|" + std::to_string(l.v.port);
      if (auto [it, fresh] = sockets.emplace(sock, l.keys.at("listen")); !fresh) {
        error(file, l.keys.at("listen"),
              "address already used by the listener at " + where(file, it->second));
      }
      if (l.v.tls != TlsMode::kNone && tls.cert_file.empty()) {
        error(file, l.keys.at("tls"),
              "listener '" + l.v.name + "' uses TLS but tls.cert and tls.key are not set");
      }
      out.push_back(l.v);
    }
  }

  void tls(const std::string& file, schema::TlsDoc& t, TlsConfig& out) {
    out = t.v;
    out.sni.clear();
    if (t.v.cert_file.empty() != t.v.key_file.empty()) {
      error(file, t.keys.self, "tls.cert and tls.key must be set together");
    } else if (!t.v.cert_file.empty()) {
      bool both_missing = access(t.v.cert_file.c_str(), F_OK) != 0 && errno == ENOENT &&
                          access(t.v.key_file.c_str(), F_OK) != 0 && errno == ENOENT;
      if (!(t.v.self_signed_if_missing && both_missing)) {
        check_readable(file, t.keys.at("cert"), t.v.cert_file, "certificate");
        check_readable(file, t.keys.at("key"), t.v.key_file, "key");
      }
    }
    for (auto& s : t.sni) {
      for (auto& n : s.v.names) n = lower(n);
      if (s.v.names.empty()) error(file, s.keys.at("names"), "sni entry without names");
      check_readable(file, s.keys.at("cert"), s.v.cert_file, "certificate");
      check_readable(file, s.keys.at("key"), s.v.key_file, "key");
      out.sni.push_back(s.v);
    }
  }

  void plans(const std::string& file, std::optional<std::vector<schema::PlanDoc>>& ps,
             std::vector<Plan>& out) {
    if (!ps) {
      out = schema::builtin_plans();
      return;
    }
    std::map<std::string, Pos> names;
    for (auto& p : *ps) {
      if (auto [it, fresh] = names.emplace(p.v.name, p.keys.at("name")); !fresh) {
        error(file, p.keys.at("name"),
              "plan '" + p.v.name + "' already defined at " + where(file, it->second));
      }
      if (p.v.max_mailbox_quota_mb != 0 && p.v.mailbox_quota_mb > p.v.max_mailbox_quota_mb) {
        error(file, p.keys.at("mailbox_quota"),
              "mailbox_quota " + std::to_string(p.v.mailbox_quota_mb) +
                  " MB is above max_mailbox_quota " + std::to_string(p.v.max_mailbox_quota_mb) +
                  " MB");
      }
      if (p.v.quota_warning_percent > 100) {
        error(file, p.keys.at("quota_warning"),
              "quota_warning is a percentage (0-100, 0 = off), not " +
                  std::to_string(p.v.quota_warning_percent));
      }
      out.push_back(p.v);
    }
  }

  // A domain's DKIM key: the default path, the server-wide header list; the selector must be a
  // DNS label sequence. The key file itself is read by the signer (a missing key is reported
  // by `config check` as a warning: mail then goes out unsigned).
  void dkim(const std::string& file, schema::DomainDkimDoc& d, const DkimConfig& server,
            Domain& out) {
    out.dkim = d.v;
    if (!d.keys.has("selector")) return;
    const std::string& sel = out.dkim.selector;
    bool sel_ok = !sel.empty() && sel.size() <= 63 && sel.front() != '.' && sel.back() != '.' &&
                  sel.front() != '-';
    for (char ch : sel) {
      sel_ok = sel_ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_');
    }
    if (!sel_ok) {
      error(file, d.keys.at("selector"), "invalid DKIM selector '" + sel + "'");
      return;
    }
    if (out.dkim.key_file.empty()) {
      out.dkim.key_file = server.key_dir + "/" + out.name + "/" + sel + ".pem";
    }
    if (out.dkim.headers.empty()) out.dkim.headers = server.headers;
    for (std::string& h : out.dkim.headers) h = lower(h);
    if (::access(out.dkim.key_file.c_str(), R_OK) != 0) {
      warning(file, d.keys.at("selector"),
              "DKIM key " + out.dkim.key_file + " of " + out.name +
                  " is not readable: its mail goes out unsigned (tegami dkim keygen " + out.name +
                  " --selector " + sel + ")");
    }
  }

  void domain(LoadedDomain& ld, Config& config, TlsConfig& tls,
              std::map<std::string, std::string>& domain_names) {
    schema::DomainDoc& d = ld.doc;
    const std::string& file = ld.display;
    Domain out = d.v;
    out.name = lower(out.name);
    out.source_file = ld.abs;
    if (!valid_domain(out.name)) {
      error(file, d.keys.at("domain"), "invalid domain name '" + d.v.name + "'");
    }
    if (auto [it, fresh] = domain_names.emplace(out.name, where(file, d.keys.at("domain")));
        !fresh) {
      error(file, d.keys.at("domain"),
            "domain '" + out.name + "' already declared at " + it->second);
    }
    const Plan* plan = config.find_plan(out.plan);
    if (plan == nullptr) {
      std::string known;
      for (const Plan& p : config.plans) known += (known.empty() ? "" : ", ") + p.name;
      error(file, d.keys.at("plan"), "unknown plan '" + out.plan + "' (known: " + known + ")");
    }
    std::uint32_t derived = std::min<std::uint32_t>(out.max_accounts / 2, 500);
    out.max_lists = d.max_lists.value_or(derived);
    out.max_imap_connections = d.max_imap_connections.value_or(derived);
    out.pop3_mark_seen = d.pop3_mark_seen.value_or(config.pop3.mark_seen);

    if (d.tls.cert_file.empty() != d.tls.key_file.empty()) {
      error(file, d.tls.keys.self, "tls.cert and tls.key must be set together");
    } else if (!d.tls.cert_file.empty()) {
      check_readable(file, d.tls.keys.at("cert"), d.tls.cert_file, "certificate");
      check_readable(file, d.tls.keys.at("key"), d.tls.key_file, "key");
      tls.sni.push_back(SniCertificate{{out.name}, d.tls.cert_file, d.tls.key_file});
    }

    dkim(file, d.dkim, config.dkim, out);

    // Every address of the domain, where it was first declared.
    std::map<std::string, std::string> used;
    auto claim = [&](const std::string& local, Pos p) {
      if (auto [it, fresh] = used.emplace(local, where(file, p)); !fresh) {
        error(file, p, "address '" + local + "@" + out.name + "' is already used at " + it->second);
      }
    };

    std::uint64_t quota_sum = 0;
    out.accounts.clear();
    for (size_t i = 0; i < d.accounts.size(); ++i) {
      schema::AccountDoc& a = d.accounts[i];
      if (i == out.max_accounts) {
        error(file, a.keys.self,
              "domain '" + out.name + "' has " + std::to_string(d.accounts.size()) +
                  " accounts, more than its max_accounts of " + std::to_string(out.max_accounts));
      }
      Account acc = a.v;
      acc.local_part = lower(acc.local_part);
      if (!valid_local_part(acc.local_part)) {
        error(file, a.keys.at("user"),
              "invalid user '" + a.v.local_part + "' (allowed: a-z 0-9 . _ -)");
      }
      claim(acc.local_part, a.keys.at("user"));
      if (!acc.password_hash.empty() &&
          (acc.password_hash[0] != '{' || acc.password_hash.find('}') == std::string::npos)) {
        error(file, a.keys.at("password"),
              "password must be a hash in {SCHEME} form (make one with `tegami pw`)");
      }
      acc.quota_mb = a.quota_mb.value_or(plan != nullptr ? plan->mailbox_quota_mb : 0);
      if (a.quota_mb && *a.quota_mb == 0) {
        error(file, a.keys.at("quota"), "quota must be at least 1 MB");
      } else if (plan != nullptr && plan->max_mailbox_quota_mb != 0 &&
                 acc.quota_mb > plan->max_mailbox_quota_mb) {
        error(file, a.keys.at("quota"),
              "quota " + std::to_string(acc.quota_mb) + " MB is above the maximum of plan '" +
                  plan->name + "' (" + std::to_string(plan->max_mailbox_quota_mb) + " MB)");
      }
      // Saturating: absurd quotas must not wrap around and hide the warning.
      quota_sum = acc.quota_mb > UINT64_MAX - quota_sum ? UINT64_MAX : quota_sum + acc.quota_mb;
      for (auto& al : acc.aliases) {
        al = lower(al);
        if (!valid_local_part(al)) {
          error(file, a.keys.at("aliases"), "invalid alias '" + al + "'");
        }
        claim(al, a.keys.at("aliases"));
      }
      out.accounts.push_back(std::move(acc));
    }

    out.aliases.clear();
    for (auto& a : d.aliases) {
      Alias al = a.v;
      al.local_part = lower(al.local_part);
      if (!valid_local_part(al.local_part)) {
        error(file, a.keys.at("address"), "invalid alias address '" + a.v.local_part + "'");
      }
      claim(al.local_part, a.keys.at("address"));
      if (al.targets.empty()) error(file, a.keys.at("to"), "alias without targets");
      for (auto& t : al.targets) {
        t = full_address(t, out.name);
        if (!valid_address(t)) error(file, a.keys.at("to"), "invalid target address '" + t + "'");
      }
      out.aliases.push_back(std::move(al));
    }
    for (auto& t : out.catch_all) {
      t = full_address(t, out.name);
      if (!valid_address(t)) {
        error(file, d.keys.at("catch_all"), "invalid catch_all address '" + t + "'");
      }
    }

    out.lists.clear();
    for (size_t i = 0; i < d.lists.size(); ++i) {
      schema::ListDoc& l = d.lists[i];
      if (i == out.max_lists) {
        error(file, l.keys.self,
              "domain '" + out.name + "' has " + std::to_string(d.lists.size()) +
                  " mailing lists, more than its limit of " + std::to_string(out.max_lists));
      }
      MailingList ml = l.v;
      ml.local_part = lower(ml.local_part);
      if (!valid_local_part(ml.local_part)) {
        error(file, l.keys.at("address"), "invalid list address '" + l.v.local_part + "'");
      }
      claim(ml.local_part, l.keys.at("address"));
      std::map<std::string, int> members;
      for (auto& m : ml.members) {
        m.address = full_address(m.address, out.name);
        if (!valid_address(m.address)) {
          error(file, l.keys.at("members"), "invalid member address '" + m.address + "'");
        }
        if (++members[m.address] == 2) {
          error(file, l.keys.at("members"), "member '" + m.address + "' listed twice");
        }
      }
      for (auto& a : ml.admins) {
        a = full_address(a, out.name);
        if (members.count(a) == 0) {
          error(file, l.keys.at("admins"), "admin '" + a + "' is not a member of the list");
        }
      }
      out.lists.push_back(std::move(ml));
    }

    for (const MailingList& ml : out.lists) {
      for (const std::string& suffix : {std::string("-ctl"), std::string("-bounces")}) {
        auto it = used.find(ml.local_part + suffix);
        if (it != used.end()) {
          errors_.push_back({file, 0, 0,
                             "address '" + ml.local_part + suffix + "@" + out.name + "' (at " +
                                 it->second + ") is reserved for list '" + ml.local_part + "'"});
        }
      }
    }

    if (out.disk_quota_mb != 0 && quota_sum > out.disk_quota_mb) {
      warning(file, d.keys.at("disk_quota"),
              "domain '" + out.name + "': account quotas add up to " + std::to_string(quota_sum) +
                  " MB, more than its disk_quota of " + std::to_string(out.disk_quota_mb) + " MB");
    }
    config.domains.push_back(std::move(out));
  }

  // Nested lists must not form a cycle (sales -> team -> sales): one error per cycle, at the
  // `members` of the list that closes it. Delivery is safe anyway (tegami_lists skips a list
  // met again on its own path), but the admin must know.
  void list_cycles(const std::vector<LoadedDomain>& lds, const Config& config) {
    std::map<std::string, std::pair<std::string, Pos>> where_list;
    for (const LoadedDomain& ld : lds) {
      std::string dn = lower(ld.doc.v.name);
      for (const schema::ListDoc& l : ld.doc.lists)
        where_list[lower(l.v.local_part) + "@" + dn] = {ld.display, l.keys.at("members")};
    }
    std::map<std::string, int> state;  // 1 on the path, 2 done
    std::vector<std::string> path;
    std::function<void(const std::string&)> visit = [&](const std::string& key) {
      state[key] = 1;
      path.push_back(key);
      AddressTarget t = config.resolve(key);
      // The lists a member leads to: itself, or through domain aliases (bounded).
      std::function<void(const std::string&, int, std::vector<std::string>&)> lists_of =
          [&](const std::string& address, int depth, std::vector<std::string>& found) {
            AddressTarget mt = config.resolve(address);
            if (mt.kind == AddressTarget::Kind::kList) {
              found.push_back(mt.list->local_part + "@" + mt.domain->name);
            } else if (mt.kind == AddressTarget::Kind::kAlias && depth < 8) {
              for (const std::string& target : mt.alias->targets)
                lists_of(target, depth + 1, found);
            }
          };
      if (t.kind == AddressTarget::Kind::kList) {
        std::vector<std::string> next;
        for (const ListMember& m : t.list->members) lists_of(m.address, 0, next);
        for (const std::string& mk : next) {
          if (state[mk] == 1) {
            std::string cycle;
            auto it = std::find(path.begin(), path.end(), mk);
            for (; it != path.end(); ++it) cycle += *it + " -> ";
            auto w = where_list.find(key);
            if (w != where_list.end())
              error(w->second.first, w->second.second, "mailing list cycle: " + cycle + mk);
          } else if (state[mk] == 0) {
            visit(mk);
          }
        }
      }
      path.pop_back();
      state[key] = 2;
    };
    for (const Domain& d : config.domains)
      for (const MailingList& l : d.lists) {
        std::string key = l.local_part + "@" + d.name;
        if (state[key] == 0) visit(key);
      }
  }

 private:
  std::vector<Diagnostic>& errors_;
  std::vector<Diagnostic>& warnings_;
  const LoadOptions& options_;
};

}  // namespace

LoadResult load_config(const std::string& path, const LoadOptions& options) {
  LoadResult result;
  std::vector<Diagnostic>& errors = result.errors;
  std::error_code ec;
  fs::path given = fs::path(path).lexically_normal();
  fs::path abs = fs::absolute(given, ec).lexically_normal();
  std::string display = given.string();
  auto config = std::make_shared<Config>();
  config->main_file = abs.string();
  config->files.push_back(abs.string());

  std::string text, why;
  if (!read_text(abs.string(), options, text, why)) {
    errors.push_back({display, 0, 0, "cannot read config file: " + why});
    return result;
  }
  YAML::Node root;
  if (!parse_yaml(text, display, errors, root)) return result;

  Ctx ctx{display, abs.parent_path().string(), &errors};
  schema::MainDoc doc;
  schema::parse_main(ctx, root, doc);

  // Domain files.
  std::vector<LoadedDomain> domains;
  for (auto& d : doc.domains) domains.push_back({std::move(d), display, abs.string()});
  fs::path dir_abs = abs.parent_path() / "domains";
  fs::path dir_display = given.parent_path() / "domains";
  if (doc.domains_dir) {
    dir_abs = *doc.domains_dir;
    dir_display = *doc.domains_dir;
  }
  if (!doc.domains_dir || !doc.domains_dir->empty()) {
    config->domains_dir = dir_abs.string();
    std::vector<std::string> names;
    if (fs::is_directory(dir_abs, ec)) {
      for (const auto& entry : fs::directory_iterator(dir_abs, ec)) {
        std::string name = entry.path().filename().string();
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0 && name[0] != '.') {
          names.push_back(name);
        }
      }
    } else if (doc.domains_dir) {
      Pos p = doc.keys.at("domains_dir");
      result.warnings.push_back(
          {display, p.line, p.column, "domains_dir '" + dir_abs.string() + "' is not a directory"});
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      std::string fabs = (dir_abs / name).string();
      std::string fdisplay = (dir_display / name).lexically_normal().string();
      config->files.push_back(fabs);
      std::string ftext;
      if (!read_text(fabs, options, ftext, why)) {
        errors.push_back({fdisplay, 0, 0, "cannot read domain file: " + why});
        continue;
      }
      YAML::Node froot;
      if (!parse_yaml(ftext, fdisplay, errors, froot)) continue;
      Ctx fctx{fdisplay, dir_abs.string(), &errors};
      LoadedDomain ld;
      ld.display = fdisplay;
      ld.abs = fabs;
      if (froot.IsNull()) {
        errors.push_back({fdisplay, 0, 0, "empty domain file (expected domain: <name> ...)"});
        continue;
      }
      if (schema::parse_domain(fctx, froot, ld.doc)) domains.push_back(std::move(ld));
    }
  }
  if (!errors.empty()) return result;  // type errors make the cross checks meaningless

  Validator v(errors, result.warnings, options);
  config->server = doc.server;
  v.server(config->server);
  config->metrics = doc.metrics;
  config->limits = doc.limits;
  config->auth = doc.auth;
  config->pop3 = doc.pop3;
  config->dkim = doc.dkim;
  for (std::string& h : config->dkim.headers) h = lower(h);
  for (std::string& h : config->dkim.oversign) h = lower(h);
  v.pop3(display, doc.keys.at("pop3"), config->pop3);
  config->imap = doc.imap;
  v.imap(display, doc.keys.at("imap"), config->imap);
  v.outbound(display, doc.outbound, config->outbound);
  v.tls(display, doc.tls, config->tls);
  v.listeners(display, doc.listeners, config->tls, config->listeners);
  v.plans(display, doc.plans, config->plans);
  std::map<std::string, std::string> domain_names;
  for (auto& ld : domains) v.domain(ld, *config, config->tls, domain_names);
  if (errors.empty()) v.list_cycles(domains, *config);

  if (!errors.empty()) return result;
  result.config = std::move(config);
  return result;
}

std::string dump_config(const Config& config) {
  schema::MainDoc doc;
  doc.server = config.server;
  for (const Listener& l : config.listeners) doc.listeners.push_back({l, {}});
  doc.metrics = config.metrics;
  doc.tls.v = config.tls;
  for (const SniCertificate& s : config.tls.sni) doc.tls.sni.push_back({s, {}});
  doc.limits = config.limits;
  doc.auth = config.auth;
  doc.pop3 = config.pop3;
  doc.dkim = config.dkim;
  doc.imap = config.imap;
  doc.outbound.v = config.outbound;
  if (config.outbound.smarthost)
    doc.outbound.smarthost = schema::RelayDoc{*config.outbound.smarthost, {}};
  for (const RelayHost& r : config.outbound.domain_smarthosts)
    doc.outbound.domain_smarthosts.push_back({r, {}});
  doc.plans.emplace();
  for (const Plan& p : config.plans) doc.plans->push_back({p, {}});
  doc.domains_dir = "";
  for (const Domain& d : config.domains) {
    schema::DomainDoc dd;
    dd.v = d;
    dd.max_lists = d.max_lists;
    dd.max_imap_connections = d.max_imap_connections;
    dd.pop3_mark_seen = d.pop3_mark_seen;
    dd.dkim.v = d.dkim;
    for (const Account& a : d.accounts) dd.accounts.push_back({a, a.quota_mb, {}});
    for (const Alias& a : d.aliases) dd.aliases.push_back({a, {}});
    for (const MailingList& l : d.lists) dd.lists.push_back({l, {}});
    doc.domains.push_back(std::move(dd));
  }
  YAML::Emitter out;
  schema::emit_main(out, doc);
  std::string text = "# Effective tegami configuration (tegami config dump of " + config.main_file +
                     ")\n# Domain certificates appear under tls.sni.\n";
  text += out.c_str();
  text += "\n";
  return text;
}

std::string example_config() {
  return schema::render_example();
}

}  // namespace tegami::config
