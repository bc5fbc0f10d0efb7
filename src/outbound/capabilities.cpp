#include "outbound/capabilities.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace tegami::outbound {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

bool Capabilities::has_auth(std::string_view mechanism) const {
  std::string m = upper(mechanism);
  return std::find(auth.begin(), auth.end(), m) != auth.end();
}

Capabilities parse_ehlo(const Reply& reply) {
  Capabilities caps;
  caps.esmtp = true;
  for (size_t i = 1; i < reply.lines.size(); ++i) {
    auto w = words(reply.lines[i]);
    if (w.empty()) continue;
    std::string key = upper(w[0]);
    if (key == "PIPELINING") {
      caps.pipelining = true;
    } else if (key == "STARTTLS") {
      caps.starttls = true;
    } else if (key == "8BITMIME") {
      caps.eightbitmime = true;
    } else if (key == "SMTPUTF8") {
      caps.smtputf8 = true;
    } else if (key == "DSN") {
      caps.dsn = true;
    } else if (key == "SIZE") {
      caps.size = true;
      if (w.size() > 1) {
        uint64_t v = 0;
        auto [p, ec] = std::from_chars(w[1].data(), w[1].data() + w[1].size(), v);
        if (ec == std::errc() && p == w[1].data() + w[1].size()) caps.max_size = v;
      }
    } else if (key == "AUTH" || key.rfind("AUTH=", 0) == 0) {
      // "AUTH PLAIN LOGIN" and the old "AUTH=LOGIN PLAIN" form.
      if (key.size() > 5) caps.auth.push_back(key.substr(5));
      for (size_t j = 1; j < w.size(); ++j) {
        std::string m = upper(w[j]);
        if (std::find(caps.auth.begin(), caps.auth.end(), m) == caps.auth.end()) {
          caps.auth.push_back(std::move(m));
        }
      }
    }
  }
  return caps;
}

}  // namespace tegami::outbound
