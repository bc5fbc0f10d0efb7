#include "dkim/domain_signer.h"

#include <sys/stat.h>

#include <map>
#include <mutex>

namespace tegami_dkim {

using maildir::Code;
using maildir::Result;
using maildir::Status;

namespace {

struct CachedKey {
  std::int64_t mtime_ns = 0;
  std::int64_t size = 0;
  Key key;
};

std::mutex& cache_mutex() {
  static std::mutex m;
  return m;
}

std::map<std::string, CachedKey>& cache() {
  static std::map<std::string, CachedKey> c;
  return c;
}

constexpr std::size_t kMaxCachedKeys = 4096;

}  // namespace

Result<Key> domain_key(const tegami::config::Domain& d) {
  const std::string& path = d.dkim.key_file;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return maildir::from_errno("stat " + path);
  std::int64_t mtime =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  {
    std::lock_guard<std::mutex> lock(cache_mutex());
    auto it = cache().find(path);
    if (it != cache().end() && it->second.mtime_ns == mtime && it->second.size == st.st_size) {
      return it->second.key;
    }
  }
  Result<Key> key = Key::load_file(path);
  if (!key.ok()) return key.status();
  bool want_rsa = d.dkim.algorithm == tegami::config::DkimAlgorithm::kRsaSha256;
  if (want_rsa != (key->algorithm() == Algorithm::kRsaSha256)) {
    return Status(Code::kInvalidArgument,
                  path + " is an " + std::string(key_type_tag(key->algorithm())) +
                      " key but the domain's dkim.algorithm is " +
                      std::string(tegami::config::to_string(d.dkim.algorithm)));
  }
  std::lock_guard<std::mutex> lock(cache_mutex());
  if (cache().size() >= kMaxCachedKeys) cache().clear();
  cache().insert_or_assign(path, CachedKey{mtime, static_cast<std::int64_t>(st.st_size), *key});
  return key;
}

SignOptions options_for(const tegami::config::Config& config, const tegami::config::Domain& d,
                        std::int64_t now) {
  SignOptions o;
  o.domain = d.name;
  o.selector = d.dkim.selector;
  if (!d.dkim.headers.empty()) o.headers = d.dkim.headers;
  o.oversign = config.dkim.oversign;
  o.timestamp = now;
  return o;
}

Result<std::optional<DomainSignature>> sign_for_domain(const tegami::config::Config& config,
                                                       std::string_view message,
                                                       std::string_view account, std::int64_t now) {
  std::size_t at = account.rfind('@');
  const tegami::config::Domain* domain =
      at == std::string_view::npos ? nullptr : config.find_domain(account.substr(at + 1));
  if (domain == nullptr || !domain->dkim.signing()) return std::optional<DomainSignature>();
  Result<Key> key = domain_key(*domain);
  if (!key.ok()) return key.status();
  Result<std::string> field = sign(*key, options_for(config, *domain, now), message);
  if (!field.ok()) return field.status();
  return std::optional<DomainSignature>(DomainSignature{domain->name, std::move(*field)});
}

}  // namespace tegami_dkim
