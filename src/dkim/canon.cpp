#include "dkim/canon.h"

#include <algorithm>

namespace tegami_dkim {

namespace {

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

// ---- body -----------------------------------------------------------------------------------

void RelaxedBody::content(char c, std::string& out) {
  // A content byte proves that the held-back line ends and whitespace were inside the body.
  for (; pending_crlf_ > 0; --pending_crlf_) out += "\r\n";
  if (pending_wsp_) {
    out += ' ';
    pending_wsp_ = false;
  }
  out += c;
  any_content_ = true;
}

void RelaxedBody::feed(std::string_view in, std::string& out) {
  for (char c : in) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        // End of line: whitespace before it is dropped.
        pending_wsp_ = false;
        ++pending_crlf_;
        continue;
      }
      content('\r', out);  // a lone CR is an ordinary character
    }
    if (c == '\r') {
      pending_cr_ = true;
    } else if (c == '\n') {
      // A bare LF (never stored by tegami's SMTP) ends a line like CRLF.
      pending_wsp_ = false;
      ++pending_crlf_;
    } else if (is_wsp(c)) {
      pending_wsp_ = true;
    } else {
      content(c, out);
    }
  }
}

void RelaxedBody::finish(std::string& out) {
  if (pending_cr_) {
    pending_cr_ = false;
    content('\r', out);
  }
  pending_wsp_ = false;
  if (any_content_) out += "\r\n";
  pending_crlf_ = 0;
}

std::string relaxed_body(std::string_view body) {
  RelaxedBody b;
  std::string out;
  b.feed(body, out);
  b.finish(out);
  return out;
}

// ---- headers --------------------------------------------------------------------------------

std::string relaxed_header(std::string_view field) {
  std::size_t colon = field.find(':');
  std::string out;
  std::string_view name = field.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  out.reserve(field.size() + 2);
  for (char c : name) out += lower(c);
  out += ':';
  if (colon == std::string_view::npos) return out + "\r\n";
  std::string_view value = field.substr(colon + 1);
  bool wsp = false;
  bool started = false;
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;  // unfold
    if (is_wsp(c)) {
      wsp = true;
      continue;
    }
    if (wsp && started) out += ' ';
    wsp = false;
    started = true;
    out += c;
  }
  out += "\r\n";
  return out;
}

std::size_t header_end(std::string_view message) {
  if (message.substr(0, 2) == "\r\n") return 2;
  std::size_t p = message.find("\r\n\r\n");
  if (p == std::string_view::npos) return std::string_view::npos;
  return p + 4;
}

std::vector<HeaderField> split_header(std::string_view block) {
  std::vector<HeaderField> out;
  std::size_t pos = 0;
  bool current_valid = false;
  while (pos < block.size()) {
    std::size_t eol = block.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? block.size() : eol + 1;
    std::string_view line = block.substr(pos, next - pos);
    if (line == "\r\n" || line == "\n") break;  // the empty line ending the header
    if (is_wsp(line[0])) {
      // Continuation of the previous field.
      if (current_valid) {
        HeaderField& f = out.back();
        f.raw = std::string_view(f.raw.data(), f.raw.size() + line.size());
      }
    } else {
      std::size_t colon = line.find(':');
      current_valid = colon != std::string_view::npos && colon > 0;
      if (current_valid) {
        std::string_view name = line.substr(0, colon);
        while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
        out.push_back(HeaderField{name, line});
      }
    }
    pos = next;
  }
  return out;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::vector<std::string_view> select_fields(const std::vector<HeaderField>& fields,
                                            const std::vector<std::string>& names) {
  std::vector<bool> used(fields.size(), false);
  std::vector<std::string_view> out;
  for (const std::string& name : names) {
    std::string_view pick;
    for (std::size_t i = fields.size(); i-- > 0;) {
      if (!used[i] && same_name(fields[i].name, name)) {
        used[i] = true;
        pick = fields[i].raw;
        break;
      }
    }
    out.push_back(pick);
  }
  return out;
}

}  // namespace tegami_dkim
