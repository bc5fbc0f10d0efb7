#include "smtp/params.h"

#include <vector>

#include "smtp/path.h"

namespace tegami_smtp {

namespace {

struct Param {
  std::string keyword;  // upper-cased
  std::optional<std::string_view> value;
};

Reply syntax(std::string text) {
  return Reply{501, "5.5.4", std::move(text)};
}
Reply unknown(std::string_view kw) {
  return Reply{555, "5.5.4", "Unsupported parameter " + std::string(kw)};
}

std::string upper(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return r;
}

bool is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Splits " K=V K2" into parameters; checks keyword and value syntax and duplicates.
std::variant<std::vector<Param>, Reply> split(std::string_view s) {
  std::vector<Param> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != ' ') return syntax("Expected a space before a parameter");
    while (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) break;  // trailing spaces are tolerated
    size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    std::string_view tok = s.substr(start, i - start);
    size_t eq = tok.find('=');
    std::string_view kw = tok.substr(0, eq);
    if (kw.empty() || !is_alnum(static_cast<unsigned char>(kw[0])))
      return syntax("Bad parameter keyword");
    for (unsigned char c : kw)
      if (!is_alnum(c) && c != '-') return syntax("Bad parameter keyword");
    Param p{upper(kw), std::nullopt};
    if (eq != std::string_view::npos) {
      std::string_view v = tok.substr(eq + 1);
      if (v.empty()) return syntax("Empty parameter value");
      for (unsigned char c : v)
        if (c < 33 || c == '=' || c == 127) return syntax("Bad parameter value");
      if (!valid_utf8_text(v)) return syntax("Bad parameter value");
      p.value = v;
    }
    for (const Param& q : out)
      if (q.keyword == p.keyword) return syntax("Duplicate parameter " + p.keyword);
    out.push_back(std::move(p));
  }
  return out;
}

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 32 || c >= 127) return false;
  return true;
}

}  // namespace

std::optional<std::string> decode_xtext(std::string_view s) {
  std::string out;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c == '+') {
      if (i + 2 >= s.size()) return std::nullopt;
      int h = hex(s[i + 1]), l = hex(s[i + 2]);
      if (h < 0 || l < 0) return std::nullopt;
      out += static_cast<char>(h * 16 + l);
      i += 2;
    } else if (c >= '!' && c <= '~' && c != '=') {
      out += static_cast<char>(c);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string encode_xtext(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c >= '!' && c <= '~' && c != '+' && c != '=') {
      out += static_cast<char>(c);
    } else {
      out += '+';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::variant<MailParams, Reply> parse_mail_params(std::string_view s) {
  auto split_result = split(s);
  if (auto* r = std::get_if<Reply>(&split_result)) return *r;
  MailParams m;
  for (const Param& p : std::get<std::vector<Param>>(split_result)) {
    const std::string& k = p.keyword;
    if (k == "SIZE") {
      if (!p.value || p.value->size() > 20) return syntax("Bad SIZE value");
      std::uint64_t n = 0;
      for (char c : *p.value) {
        if (c < '0' || c > '9') return syntax("Bad SIZE value");
        if (n > (UINT64_MAX - 9) / 10) return syntax("Bad SIZE value");
        n = n * 10 + static_cast<unsigned>(c - '0');
      }
      m.size = n;
    } else if (k == "BODY") {
      std::string v = p.value ? upper(*p.value) : "";
      if (v == "7BIT")
        m.body = Body::k7Bit;
      else if (v == "8BITMIME")
        m.body = Body::k8BitMime;
      else if (v == "BINARYMIME")
        return Reply{555, "5.5.4", "BODY=BINARYMIME is not supported"};
      else
        return syntax("Bad BODY value");
    } else if (k == "SMTPUTF8") {
      if (p.value) return syntax("SMTPUTF8 takes no value");
      m.smtputf8 = true;
    } else if (k == "RET") {
      std::string v = p.value ? upper(*p.value) : "";
      if (v == "FULL")
        m.ret = Ret::kFull;
      else if (v == "HDRS")
        m.ret = Ret::kHdrs;
      else
        return syntax("Bad RET value");
    } else if (k == "ENVID") {
      if (!p.value) return syntax("Bad ENVID value");
      auto d = decode_xtext(*p.value);
      if (!d || d->size() > 100 || !printable(*d)) return syntax("Bad ENVID value");
      m.envid = std::move(*d);
    } else if (k == "AUTH") {
      if (!p.value) return syntax("Bad AUTH value");
      auto d = decode_xtext(*p.value);
      if (!d || d->empty() || d->size() > 512 || !printable(*d)) return syntax("Bad AUTH value");
      m.auth = std::move(*d);
    } else {
      return unknown(k);
    }
  }
  return m;
}

std::variant<RcptParams, Reply> parse_rcpt_params(std::string_view s) {
  auto split_result = split(s);
  if (auto* r = std::get_if<Reply>(&split_result)) return *r;
  RcptParams rp;
  for (const Param& p : std::get<std::vector<Param>>(split_result)) {
    const std::string& k = p.keyword;
    if (k == "NOTIFY") {
      if (!p.value) return syntax("Bad NOTIFY value");
      std::string v = upper(*p.value);
      rp.has_notify = true;
      if (v == "NEVER") continue;
      size_t start = 0;
      while (true) {
        size_t comma = v.find(',', start);
        std::string item =
            v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        unsigned bit = 0;
        if (item == "SUCCESS") bit = kNotifySuccess;
        if (item == "FAILURE") bit = kNotifyFailure;
        if (item == "DELAY") bit = kNotifyDelay;
        if (bit == 0 || (rp.notify & bit)) return syntax("Bad NOTIFY value");
        rp.notify |= bit;
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (k == "ORCPT") {
      if (!p.value) return syntax("Bad ORCPT value");
      size_t semi = p.value->find(';');
      if (semi == std::string_view::npos || semi == 0) return syntax("Bad ORCPT value");
      std::string type(p.value->substr(0, semi));
      for (char& c : type) {
        if (!is_alnum(static_cast<unsigned char>(c)) && c != '-') return syntax("Bad ORCPT value");
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      auto d = decode_xtext(p.value->substr(semi + 1));
      if (!d || d->empty() || d->size() > 500 || !printable(*d)) return syntax("Bad ORCPT value");
      rp.orcpt_type = std::move(type);
      rp.orcpt_address = std::move(*d);
    } else {
      return unknown(k);
    }
  }
  return rp;
}

}  // namespace tegami_smtp
