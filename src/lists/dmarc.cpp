#include "lists/dmarc.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include "lists/expand.h"

namespace tegami_lists {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Points `st` at the IPv4 entries of `servers` ("ip[:port],..."); others are skipped.
void use_servers(struct __res_state& st, std::string_view servers) {
  int n = 0;
  while (!servers.empty() && n < MAXNS) {
    size_t comma = servers.find(',');
    std::string entry(trim(servers.substr(0, comma)));
    servers = comma == std::string_view::npos ? std::string_view() : servers.substr(comma + 1);
    unsigned port = 53;
    size_t colon = entry.find(':');
    if (colon != std::string::npos && entry.find(':', colon + 1) == std::string::npos) {
      port = 0;
      for (char c : entry.substr(colon + 1)) {
        if (c < '0' || c > '9' || port > 65535) {
          port = 0;  // not a port: the entry is skipped
          break;
        }
        port = port * 10 + static_cast<unsigned>(c - '0');
      }
      entry.resize(colon);
    }
    struct in_addr a {};
    if (port == 0 || port > 65535 || inet_pton(AF_INET, entry.c_str(), &a) != 1) continue;
    st.nsaddr_list[n] = sockaddr_in{};
    st.nsaddr_list[n].sin_family = AF_INET;
    st.nsaddr_list[n].sin_port = htons(static_cast<std::uint16_t>(port));
    st.nsaddr_list[n].sin_addr = a;
    ++n;
  }
  if (n > 0) st.nscount = n;
}

// TXT records at `name` (each record's strings joined). Empty on any failure.
std::vector<std::string> txt_records(const std::string& name, std::string_view servers) {
  std::vector<std::string> out;
  struct __res_state st {};
  if (res_ninit(&st) != 0) return out;
  if (!servers.empty()) use_servers(st, servers);
  unsigned char answer[4096];
  int len = res_nquery(&st, name.c_str(), ns_c_in, ns_t_txt, answer, sizeof answer);
  if (len > 0) {
    ns_msg msg;
    if (ns_initparse(answer, len, &msg) == 0) {
      int count = ns_msg_count(msg, ns_s_an);
      for (int i = 0; i < count; ++i) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_txt) continue;
        const unsigned char* p = ns_rr_rdata(rr);
        const unsigned char* end = p + ns_rr_rdlen(rr);
        std::string text;
        while (p < end) {
          unsigned n = *p++;
          if (p + n > end) break;
          text.append(reinterpret_cast<const char*>(p), n);
          p += n;
        }
        out.push_back(std::move(text));
      }
    }
  }
  res_nclose(&st);
  return out;
}

}  // namespace

std::string dmarc_record_policy(std::string_view txt) {
  std::string_view rest = trim(txt);
  bool first = true;
  std::string policy;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view tag = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    size_t eq = tag.find('=');
    if (eq == std::string_view::npos) {
      if (first) return {};
      continue;
    }
    std::string name = lower_ascii(std::string(trim(tag.substr(0, eq))));
    std::string value = lower_ascii(std::string(trim(tag.substr(eq + 1))));
    if (first) {
      if (name != "v" || value != "dmarc1") return {};
      first = false;
      continue;
    }
    if (name == "p") policy = value;
  }
  return policy;
}

std::string dmarc_policy(std::string_view domain, std::string_view servers) {
  std::string d = lower_ascii(std::string(domain));
  for (int i = 0; i < 4 && !d.empty(); ++i) {
    for (const std::string& txt : txt_records("_dmarc." + d, servers)) {
      std::string p = dmarc_record_policy(txt);
      if (!p.empty()) return p;
    }
    size_t dot = d.find('.');
    if (dot == std::string::npos || d.find('.', dot + 1) == std::string::npos) break;
    d = d.substr(dot + 1);  // the parent, while it keeps two labels
  }
  return {};
}

}  // namespace tegami_lists
