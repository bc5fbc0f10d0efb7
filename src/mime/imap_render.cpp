#include "mime/imap_render.h"

#include "mime/address.h"

namespace mime {

namespace {

constexpr size_t kMaxEnvelopeAddresses = 1000;  // per address field; the rest is dropped

void append_string(std::string& out, std::string_view v) {
  bool literal = false;
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u == 0 || u == '\r' || u == '\n' || u >= 0x80 || c == '"' || c == '\\') {
      literal = true;
      break;
    }
  }
  if (literal) {
    out += '{';
    out += std::to_string(v.size());
    out += "}\r\n";
    out.append(v);
  } else {
    out += '"';
    out.append(v);
    out += '"';
  }
}

void append_nstring(std::string& out, std::string_view v, bool nil) {
  if (nil) {
    out += "NIL";
  } else {
    append_string(out, v);
  }
}

void append_addresses(std::string& out, const std::string& value, bool present) {
  if (!present) {
    out += "NIL";
    return;
  }
  auto list = parse_address_list(value, kMaxEnvelopeAddresses);
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  for (const auto& a : list) {
    out += '(';
    append_nstring(out, a.name, a.name_nil);
    out += ' ';
    append_nstring(out, a.route, a.route.empty());
    out += ' ';
    append_nstring(out, a.mailbox, a.mailbox_nil);
    out += ' ';
    append_nstring(out, a.host, a.host_nil);
    out += ')';
  }
  out += ')';
}

void append_params(std::string& out, const std::vector<Param>& params, bool default_charset) {
  if (!default_charset && params.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  bool seen_charset = false;
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) out += ' ';
    if (iequals(params[i].name, "charset")) seen_charset = true;
    append_string(out, params[i].name);
    out += ' ';
    append_string(out, params[i].value);
  }
  if (default_charset && !seen_charset) {
    if (!params.empty()) out += ' ';
    out += "\"charset\" \"us-ascii\"";
  }
  out += ')';
}

void append_common(std::string& out, const Part& p) {
  out += ' ';
  if (p.disposition.empty()) {
    out += "NIL";
  } else {
    out += '(';
    append_string(out, p.disposition);
    out += ' ';
    append_params(out, p.disposition_params, false);
    out += ')';
  }
  out += ' ';
  if (p.language.empty()) {
    out += "NIL";
  } else {
    out += '(';
    for (size_t i = 0; i < p.language.size(); ++i) {
      if (i) out += ' ';
      append_string(out, p.language[i]);
    }
    out += ')';
  }
  out += ' ';
  append_nstring(out, p.location, p.location.empty());
}

void append_envelope(std::string& out, const Structure& s, uint32_t part) {
  static const EnvelopeFields kEmpty;
  const Part& p = s.parts[part];
  const EnvelopeFields& e = p.envelope < s.envelopes.size() ? s.envelopes[p.envelope] : kEmpty;
  auto has = [&](int i) { return (e.present & (1u << i)) != 0; };
  out += '(';
  append_nstring(out, e.date, !has(0));
  out += ' ';
  append_nstring(out, e.subject, !has(1));
  out += ' ';
  append_addresses(out, e.from, has(2));
  out += ' ';
  // sender and reply-to default to from (RFC 3501 §7.4.2)
  bool sender = has(3) && !parse_address_list(e.sender, 1).empty();
  append_addresses(out, sender ? e.sender : e.from, sender ? true : has(2));
  out += ' ';
  bool reply = has(4) && !parse_address_list(e.reply_to, 1).empty();
  append_addresses(out, reply ? e.reply_to : e.from, reply ? true : has(2));
  out += ' ';
  append_addresses(out, e.to, has(5));
  out += ' ';
  append_addresses(out, e.cc, has(6));
  out += ' ';
  append_addresses(out, e.bcc, has(7));
  out += ' ';
  append_nstring(out, e.in_reply_to, !has(8));
  out += ' ';
  append_nstring(out, e.message_id, !has(9));
  out += ')';
}

void append_body(std::string& out, const Structure& s, uint32_t idx, bool extended, int depth);

void append_children(std::string& out, const Structure& s, uint32_t first, bool extended,
                     int depth) {
  for (uint32_t c = first; c != Part::kNone; c = s.parts[c].next_sibling) {
    out += '(';
    append_body(out, s, c, extended, depth + 1);
    out += ')';
  }
}

void append_body(std::string& out, const Structure& s, uint32_t idx, bool extended, int depth) {
  const Part& p = s.parts[idx];
  if (p.is_multipart()) {
    if (p.first_child != Part::kNone) {
      append_children(out, s, p.first_child, extended, depth);
    } else {
      out += extended ? "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL "
                        "NIL NIL NIL)"
                      : "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
    }
    out += ' ';
    append_string(out, p.subtype);
    if (!extended) return;
    out += ' ';
    append_params(out, p.params, false);
    append_common(out, p);
    return;
  }
  bool text = false;
  bool message = p.is_message() && p.first_child != Part::kNone;
  if (message && iequals(p.subtype, "rfc822")) {
    out += "\"message\" \"rfc822\"";
  } else if (!p.has_content_type) {
    text = iequals(p.type, "text");
    append_string(out, p.type);
    out += ' ';
    append_string(out, p.subtype);
  } else {
    text = iequals(p.type, "text");
    append_string(out, p.type);
    out += ' ';
    append_string(out, p.subtype);
  }
  out += ' ';
  append_params(out, p.params, text);
  out += ' ';
  append_nstring(out, p.id, p.id.empty());
  out += ' ';
  append_nstring(out, p.description, p.description.empty());
  out += ' ';
  if (p.encoding.empty()) {
    out += "\"7bit\"";
  } else {
    append_string(out, p.encoding);
  }
  out += ' ';
  out += std::to_string(p.body.crlf);
  if (text) {
    out += ' ';
    out += std::to_string(p.body.lines);
  } else if (message) {
    out += ' ';
    append_envelope(out, s, p.first_child);
    out += " (";
    append_body(out, s, p.first_child, extended, depth + 1);
    out += ") ";
    out += std::to_string(p.body.lines);
  }
  if (!extended) return;
  out += ' ';
  append_nstring(out, p.md5, p.md5.empty());
  append_common(out, p);
}

}  // namespace

std::string imap_string(std::string_view v) {
  std::string out;
  append_string(out, v);
  return out;
}

std::string imap_nstring(std::string_view v) {
  std::string out;
  append_nstring(out, v, v.empty());
  return out;
}

std::string render_envelope(const Structure& s, uint32_t part) {
  std::string out;
  if (part >= s.parts.size()) return "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
  append_envelope(out, s, part);
  return out;
}

std::string render_body(const Structure& s, bool extended, uint32_t part) {
  std::string out;
  if (part >= s.parts.size()) return out;
  out += '(';
  append_body(out, s, part, extended, 0);
  out += ')';
  return out;
}

}  // namespace mime
