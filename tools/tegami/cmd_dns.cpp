// `tegami dns-records <domain>`: the DNS records an admin publishes for one of the configured
// domains, in zone-file form, from the configuration:
//   MX      <domain> → server.hostname
//   SPF     TXT on <domain> (domain's dns.spf, default "v=spf1 mx -all")
//   DKIM    TXT on <selector>._domainkey.<domain>, from the domain's key file (public half)
//   DMARC   TXT on _dmarc.<domain> (domain's dns.dmarc, default p=none with reports to
//           postmaster@<domain>)
//   SRV     RFC 6186 / RFC 8314 client autoconfiguration for every listener kind tegamid
//           serves (_submissions/_submission, _imaps/_imap, _pop3s/_pop3); a kind it does not
//           serve gets the "not provided" record (target ".") so clients do not probe it.
// Exit codes: 0 printed; 1 unknown domain or config errors (a DKIM key that cannot be read is
// reported on stderr and the rest is still printed, exit 1); 2 usage.
#include <cstdio>
#include <string>
#include <vector>

#include "command.h"
#include "config/load.h"
#include "dkim/key.h"

namespace tegami_cli {
namespace {

using tegami::config::Listener;
using tegami::config::Protocol;
using tegami::config::TlsMode;

void line(const std::string& owner, const std::string& type, const std::string& data) {
  std::printf("%-40s IN %-4s %s\n", owner.c_str(), type.c_str(), data.c_str());
}

const Listener* find_listener(const std::vector<Listener>& ls, Protocol p, bool implicit) {
  for (const Listener& l : ls) {
    if (l.protocol == p && (l.tls == TlsMode::kImplicit) == implicit) return &l;
  }
  return nullptr;
}

int run_dns(const Invocation& inv) {
  std::string name;
  for (const std::string& a : inv.args) {
    if (a.rfind("--", 0) == 0 || !name.empty()) return usage_error("dns-records");
    name = a;
  }
  if (name.empty()) return usage_error("dns-records");
  tegami::config::LoadOptions options;
  options.check_tls_files = false;
  tegami::config::LoadResult r = tegami::config::load_config(inv.config_path, options);
  if (!r.ok()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const tegami::config::Config& config = *r.config;
  const tegami::config::Domain* d = config.find_domain(name);
  if (d == nullptr) {
    std::fprintf(stderr, "tegami: %s is not a configured domain\n", name.c_str());
    return 1;
  }
  int rc = 0;
  std::string dom = d->name + ".";
  std::string host = config.server.hostname;
  if (!host.empty() && host.back() != '.') host += '.';
  std::printf("; DNS records for %s (from %s)\n", d->name.c_str(), config.main_file.c_str());
  std::printf("; %s needs A/AAAA records, and its addresses a PTR back to it.\n\n", host.c_str());

  std::printf("; mail for %s is received by %s\n", d->name.c_str(), host.c_str());
  line(dom, "MX", "10 " + host);

  std::printf("\n; SPF (RFC 7208): who may send mail from %s\n", d->name.c_str());
  line(dom, "TXT", tegami_dkim::quoted_txt(d->dns.spf.empty() ? "v=spf1 mx -all" : d->dns.spf));

  std::printf("\n; DKIM (RFC 6376)\n");
  if (!d->dkim.signing()) {
    std::printf("; no DKIM key configured: run `tegami dkim keygen %s`\n", d->name.c_str());
  } else {
    auto key = tegami_dkim::Key::load_file(d->dkim.key_file);
    if (!key.ok()) {
      std::fprintf(stderr, "tegami: DKIM key of %s: %s\n", d->name.c_str(),
                   key.status().message().c_str());
      std::printf("; DKIM key %s cannot be read: run `tegami dkim keygen %s --selector %s`\n",
                  d->dkim.key_file.c_str(), d->name.c_str(), d->dkim.selector.c_str());
      rc = 1;
    } else {
      line(d->dkim.selector + "._domainkey." + dom, "TXT",
           "( " + tegami_dkim::quoted_txt(key->dns_txt()) + " )");
    }
  }

  std::printf("\n; DMARC (RFC 7489): start with p=none, read the reports, then tighten\n");
  line("_dmarc." + dom, "TXT",
       tegami_dkim::quoted_txt(d->dns.dmarc.empty()
                                   ? "v=DMARC1; p=none; rua=mailto:postmaster@" + d->name
                                   : d->dns.dmarc));

  std::printf("\n; client autoconfiguration (RFC 6186, RFC 8314); \".\" = not provided\n");
  struct Service {
    const char* label;
    Protocol protocol;
    bool implicit;
  } services[] = {
      {"_submissions._tcp.", Protocol::kSubmission, true},
      {"_submission._tcp.", Protocol::kSubmission, false},
      {"_imaps._tcp.", Protocol::kImap, true},
      {"_imap._tcp.", Protocol::kImap, false},
      {"_pop3s._tcp.", Protocol::kPop3, true},
      {"_pop3._tcp.", Protocol::kPop3, false},
  };
  for (const Service& s : services) {
    const Listener* l = find_listener(config.listeners, s.protocol, s.implicit);
    if (l == nullptr) {
      line(s.label + dom, "SRV", "0 0 0 .");
    } else {
      line(s.label + dom, "SRV", "0 1 " + std::to_string(l->port) + " " + host);
    }
  }
  return rc;
}

Register dns_cmd{{"dns-records", "<domain>",
                  "print the MX, SPF, DKIM, DMARC and autoconfig SRV records to publish",
                  &run_dns}};

}  // namespace
}  // namespace tegami_cli
