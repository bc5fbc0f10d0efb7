#include "outbound/route.h"

#include <algorithm>
#include <cctype>

namespace tegami::outbound {
namespace {

bool is_null_host(const std::string& host) {
  return host.empty() || host == ".";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Route route_from_mx(const std::string& domain, std::vector<MxRecord> records) {
  Route route;
  if (records.empty()) {
    route.hosts.push_back(lower(domain));
    return route;
  }
  if (records.size() == 1 && is_null_host(records[0].host)) {
    route.kind = Route::Kind::kNullMx;
    return route;
  }
  std::stable_sort(records.begin(), records.end(), [](const MxRecord& a, const MxRecord& b) {
    return a.preference < b.preference;
  });
  for (auto& r : records) {
    if (is_null_host(r.host)) continue;
    std::string host = lower(r.host);
    if (!host.empty() && host.back() == '.') host.pop_back();
    if (std::find(route.hosts.begin(), route.hosts.end(), host) == route.hosts.end()) {
      route.hosts.push_back(std::move(host));
    }
  }
  return route;
}

std::string domain_of(const std::string& address) {
  size_t at = address.rfind('@');
  if (at == std::string::npos) return "";
  return lower(address.substr(at + 1));
}

}  // namespace tegami::outbound
