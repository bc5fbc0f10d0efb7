#include "lists/dmarc.h"

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

// TXT records at `name` (each record's strings joined). Empty on any failure.
std::vector<std::string> txt_records(const std::string& name) {
  std::vector<std::string> out;
  struct __res_state st {};
  if (res_ninit(&st) != 0) return out;
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

std::string dmarc_policy(std::string_view domain) {
  std::string d = lower_ascii(std::string(domain));
  for (int i = 0; i < 4 && !d.empty(); ++i) {
    for (const std::string& txt : txt_records("_dmarc." + d)) {
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
