#include "mime/header_decode.h"

#include <algorithm>
#include <map>

#include "mime/charset.h"
#include "mime/transfer.h"

namespace mime {

namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct Word {
  std::string charset;
  std::string bytes;  // decoded payload in `charset`
  size_t end = 0;     // index after "?="
};

// Parses an encoded word at s[i] ("=?cs?e?text?="); false when it is not one.
bool parse_word(std::string_view s, size_t i, Word& w) {
  if (s.compare(i, 2, "=?") != 0) return false;
  size_t q1 = s.find('?', i + 2);
  if (q1 == std::string_view::npos || q1 + 2 >= s.size() || s[q1 + 2] != '?') return false;
  char enc = s[q1 + 1];
  size_t q3 = s.find("?=", q1 + 3);
  if (q3 == std::string_view::npos) return false;
  std::string_view text = s.substr(q1 + 3, q3 - (q1 + 3));
  for (char c : text)
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  std::string_view cs = s.substr(i + 2, q1 - (i + 2));
  if (cs.empty()) return false;
  size_t star = cs.find('*');  // RFC 2231 language suffix
  w.charset = std::string(cs.substr(0, star));
  w.bytes.clear();
  if (enc == 'B' || enc == 'b') {
    w.bytes = transfer_decode("base64", text);
  } else if (enc == 'Q' || enc == 'q') {
    for (size_t k = 0; k < text.size(); ++k) {
      char c = text[k];
      if (c == '_') {
        w.bytes += ' ';
      } else if (c == '=' && k + 2 < text.size() &&
                 isxdigit(static_cast<unsigned char>(text[k + 1])) &&
                 isxdigit(static_cast<unsigned char>(text[k + 2]))) {
        w.bytes += static_cast<char>(std::stoi(std::string(text.substr(k + 1, 2)), nullptr, 16));
        k += 2;
      } else {
        w.bytes += c;
      }
    }
  } else {
    return false;
  }
  w.end = q3 + 2;
  return true;
}

// Raw (unencoded) header text: UTF-8 when valid, else a guess.
void append_raw(std::string_view raw, std::string& out) {
  if (valid_utf8(raw)) {
    out.append(raw);
    return;
  }
  auto sj = to_utf8("CP932", raw);
  if (sj && sj->find("\xEF\xBF\xBD") == std::string::npos) {
    out += *sj;
    return;
  }
  out += to_utf8("windows-1252", raw).value_or(std::string());
}

}  // namespace

std::string decode_header_text(std::string_view raw) {
  std::string out;
  std::string pending_cs, pending_bytes;  // joined payload of consecutive words
  auto flush = [&]() {
    if (pending_cs.empty()) return;
    auto u = to_utf8(pending_cs, pending_bytes);
    if (u) {
      out += *u;
    } else {
      append_raw(pending_bytes, out);  // unknown charset: best effort
    }
    pending_cs.clear();
    pending_bytes.clear();
  };
  size_t i = 0;
  size_t text_start = 0;
  bool last_was_word = false;
  while (i < raw.size()) {
    Word w;
    if (raw[i] == '=' && parse_word(raw, i, w)) {
      std::string_view between = raw.substr(text_start, i - text_start);
      bool only_ws = std::all_of(between.begin(), between.end(), is_ws);
      if (!(last_was_word && only_ws)) {
        flush();
        append_raw(between, out);
      }
      if (!pending_cs.empty() && !iequals(pending_cs, w.charset)) flush();
      pending_cs = w.charset;
      pending_bytes += w.bytes;
      i = w.end;
      text_start = i;
      last_was_word = true;
      continue;
    }
    if (!is_ws(raw[i])) {
      if (last_was_word) {
        flush();
        last_was_word = false;
      }
    }
    ++i;
  }
  std::string_view tail = raw.substr(text_start);
  flush();
  append_raw(tail, out);
  return out;
}

std::vector<Param> decode_params(const std::vector<Param>& raw) {
  struct Pieces {
    size_t order;
    std::string plain;
    bool has_plain = false;
    std::map<unsigned, std::pair<bool, std::string>> parts;  // index → (extended, value)
  };
  std::vector<std::string> names;
  std::map<std::string, Pieces> by_name;
  for (const auto& p : raw) {
    std::string name = p.name;
    for (auto& c : name)
      if (c >= 'A' && c <= 'Z') c = char(c + 32);
    size_t star = name.find('*');
    std::string base = name.substr(0, star);
    auto [it, fresh] = by_name.try_emplace(base);
    if (fresh) {
      it->second.order = names.size();
      names.push_back(base);
    }
    Pieces& pc = it->second;
    if (star == std::string::npos) {
      if (!pc.has_plain) {
        pc.plain = p.value;
        pc.has_plain = true;
      }
      continue;
    }
    std::string rest = name.substr(star + 1);
    bool ext = false;
    unsigned index = 0;
    if (rest.empty()) {
      ext = true;  // name*=
    } else {
      if (rest.back() == '*') {
        ext = true;
        rest.pop_back();
      }
      if (rest.empty() || rest.size() > 4 ||
          !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
        continue;
      index = static_cast<unsigned>(std::stoul(rest));
    }
    pc.parts.try_emplace(index, ext, p.value);
  }
  std::vector<Param> out;
  for (const auto& base : names) {
    const Pieces& pc = by_name[base];
    if (pc.parts.empty()) {
      out.push_back(Param{base, decode_header_text(pc.plain)});
      continue;
    }
    std::string charset, bytes;
    bool first = true;
    for (const auto& [index, piece] : pc.parts) {
      std::string_view v = piece.second;
      if (piece.first) {
        if (first) {
          size_t q1 = v.find('\'');
          size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
          if (q2 != std::string_view::npos) {
            charset = std::string(v.substr(0, q1));
            v = v.substr(q2 + 1);
          }
        }
        for (size_t k = 0; k < v.size(); ++k) {
          if (v[k] == '%' && k + 2 < v.size() && isxdigit(static_cast<unsigned char>(v[k + 1])) &&
              isxdigit(static_cast<unsigned char>(v[k + 2]))) {
            bytes += static_cast<char>(std::stoi(std::string(v.substr(k + 1, 2)), nullptr, 16));
            k += 2;
          } else {
            bytes += v[k];
          }
        }
      } else {
        bytes.append(v);
      }
      first = false;
    }
    std::string value;
    if (!charset.empty()) {
      auto u = to_utf8(charset, bytes);
      value = u ? *u : bytes;
    } else {
      value = decode_header_text(bytes);
    }
    out.push_back(Param{base, std::move(value)});
  }
  return out;
}

}  // namespace mime
