// `tegami dkim keygen <domain> [--selector S] [--algorithm rsa|ed25519] [--bits N] [--force]`:
// creates a DKIM key for one of the configured domains and prints the DNS TXT record to publish
// (and the `dkim:` lines the domain's configuration needs, when it does not use that selector
// yet). The key is written as <dkim.key_dir>/<domain>/<selector>.pem — or the path the
// domain's dkim.key names when the selector is the configured one — mode 0600, by temp file,
// fsync and rename. An existing key is never replaced without --force (the published record
// would stop matching the mail already signed with it).
//
// Defaults: the selector configured for the domain when its key does not exist yet, else
// "s<YYYYMM>" (a new selector per rotation, so the old record can stay published until mail
// signed with it has been delivered); the algorithm configured for that selector, else rsa;
// 2048 bits for RSA.
//
// Exit codes: 0 done; 1 failure; 2 usage.
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "command.h"
#include "config/load.h"
#include "dkim/key.h"

namespace tegami_cli {
namespace {

using tegami_dkim::Algorithm;
using tegami_dkim::Key;

// Creates `dir` and its missing parents with mode 0700.
bool mkdirs_0700(const std::string& dir) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    struct stat st {};
    if (::stat(part.c_str(), &st) == 0) continue;
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      std::fprintf(stderr, "tegami: mkdir %s: %s\n", part.c_str(), std::strerror(errno));
      return false;
    }
  }
  return true;
}

// Writes `text` to `path` (0600) by temp file, fsync and rename; fsyncs the directory.
bool write_key_file(const std::string& path, const std::string& text, bool force) {
  std::string dir = path.substr(0, path.rfind('/'));
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "tegami: %s: %s\n", tmp.c_str(), std::strerror(errno));
    return false;
  }
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (ok && !force && ::access(path.c_str(), F_OK) == 0) {
    std::fprintf(stderr, "tegami: %s appeared meanwhile; not replaced\n", path.c_str());
    ::unlink(tmp.c_str());
    return false;
  }
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "tegami: writing %s: %s\n", path.c_str(), std::strerror(errno));
    ::unlink(tmp.c_str());
    return false;
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

std::string month_selector() {
  time_t now = ::time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "s%Y%m", &tm);
  return buf;
}

bool valid_selector(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '.' || s.back() == '.' || s.front() == '-')
    return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

int run_keygen(const Invocation& inv) {
  std::string domain_name, selector, algorithm;
  unsigned bits = 2048;
  bool force = false;
  for (std::size_t i = 0; i < inv.args.size(); ++i) {
    const std::string& a = inv.args[i];
    bool has_value = i + 1 < inv.args.size();
    if (a == "--selector" && has_value) {
      selector = inv.args[++i];
    } else if (a == "--algorithm" && has_value) {
      algorithm = inv.args[++i];
    } else if (a == "--bits" && has_value) {
      const std::string& b = inv.args[++i];
      if (b.empty() || b.size() > 5 || b.find_first_not_of("0123456789") != std::string::npos)
        return usage_error("dkim keygen");
      bits = static_cast<unsigned>(std::stoul(b));
    } else if (a == "--force") {
      force = true;
    } else if (a.rfind("--", 0) != 0 && domain_name.empty()) {
      domain_name = a;
    } else {
      return usage_error("dkim keygen");
    }
  }
  if (domain_name.empty()) return usage_error("dkim keygen");
  if (!algorithm.empty() && algorithm != "rsa" && algorithm != "ed25519" &&
      algorithm != "rsa-sha256" && algorithm != "ed25519-sha256") {
    std::fprintf(stderr, "tegami: --algorithm is rsa or ed25519\n");
    return 2;
  }
  if (!selector.empty() && !valid_selector(selector)) {
    std::fprintf(stderr, "tegami: invalid selector '%s' (letters, digits, '-', '_', '.')\n",
                 selector.c_str());
    return 2;
  }
  tegami::config::LoadOptions options;
  options.check_tls_files = false;
  tegami::config::LoadResult r = tegami::config::load_config(inv.config_path, options);
  if (!r.ok()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const tegami::config::Config& config = *r.config;
  const tegami::config::Domain* d = config.find_domain(domain_name);
  if (d == nullptr) {
    std::fprintf(stderr, "tegami: %s is not a configured domain\n", domain_name.c_str());
    return 1;
  }
  const auto& dk = d->dkim;
  if (selector.empty()) {
    bool configured_free = dk.signing() && ::access(dk.key_file.c_str(), F_OK) != 0;
    selector = configured_free ? dk.selector : month_selector();
  }
  bool is_configured = dk.signing() && selector == dk.selector;
  Algorithm alg = Algorithm::kRsaSha256;
  if (!algorithm.empty()) {
    alg = algorithm.rfind("ed25519", 0) == 0 ? Algorithm::kEd25519Sha256 : Algorithm::kRsaSha256;
  } else if (is_configured && dk.algorithm == tegami::config::DkimAlgorithm::kEd25519Sha256) {
    alg = Algorithm::kEd25519Sha256;
  }
  if (is_configured && (alg == Algorithm::kEd25519Sha256) !=
                           (dk.algorithm == tegami::config::DkimAlgorithm::kEd25519Sha256)) {
    std::fprintf(stderr,
                 "tegami: %s's selector %s is configured as %s; change dkim.algorithm first or "
                 "choose another --selector\n",
                 d->name.c_str(), selector.c_str(),
                 std::string(tegami::config::to_string(dk.algorithm)).c_str());
    return 1;
  }
  std::string path =
      is_configured ? dk.key_file : config.dkim.key_dir + "/" + d->name + "/" + selector + ".pem";
  if (!force && ::access(path.c_str(), F_OK) == 0) {
    std::fprintf(stderr,
                 "tegami: %s exists; the published record matches it. Use another --selector "
                 "to rotate, or --force to replace it\n",
                 path.c_str());
    return 1;
  }
  if (!mkdirs_0700(path.substr(0, path.rfind('/')))) return 1;
  auto key = Key::generate(alg, bits);
  if (!key.ok()) {
    std::fprintf(stderr, "tegami: %s\n", key.status().message().c_str());
    return 1;
  }
  if (!write_key_file(path, key->private_pem(), force)) return 1;

  std::printf(
      "wrote %s (%s%s)\n\n", path.c_str(), std::string(tegami_dkim::algorithm_tag(alg)).c_str(),
      alg == Algorithm::kRsaSha256 ? (", " + std::to_string(key->bits()) + " bits").c_str() : "");
  std::printf("; publish in DNS:\n%s._domainkey.%s. IN TXT ( %s )\n", selector.c_str(),
              d->name.c_str(), tegami_dkim::quoted_txt(key->dns_txt()).c_str());
  if (!is_configured) {
    std::printf(
        "\n# then, once the record is visible in DNS, sign with it: in %s, domain %s\n"
        "dkim:\n  selector: %s\n  algorithm: %s\n",
        d->source_file.c_str(), d->name.c_str(), selector.c_str(),
        std::string(tegami_dkim::algorithm_tag(alg)).c_str());
    if (path != config.dkim.key_dir + "/" + d->name + "/" + selector + ".pem")
      std::printf("  key: %s\n", path.c_str());
  }
  return 0;
}

Register keygen_cmd{
    {"dkim keygen", "<domain> [--selector S] [--algorithm rsa|ed25519] [--bits 2048] [--force]",
     "create a DKIM key (0600, under dkim.key_dir) and print its DNS TXT record", &run_keygen}};

}  // namespace
}  // namespace tegami_cli
