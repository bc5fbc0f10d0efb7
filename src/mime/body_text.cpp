#include "mime/body_text.h"

#include "mime/charset.h"
#include "mime/header_decode.h"
#include "mime/header_field.h"
#include "mime/transfer.h"

namespace mime {

namespace {

std::string_view slice(std::string_view msg, uint64_t off, uint64_t len) {
  if (off > msg.size()) return {};
  return msg.substr(off, std::min<uint64_t>(len, msg.size() - off));
}

// Calls fn(name, raw unfolded value) for each field of a header block.
template <class Fn>
void for_each_field(std::string_view header, Fn&& fn) {
  std::string field;
  auto flush = [&]() {
    size_t colon = field.find(':');
    if (colon != std::string::npos)
      fn(detail::trim(std::string_view(field).substr(0, colon)),
         detail::trim(std::string_view(field).substr(colon + 1)));
    field.clear();
  };
  size_t i = 0;
  while (i < header.size()) {
    size_t nl = header.find('\n', i);
    std::string_view line = header.substr(i, nl == std::string_view::npos ? nl : nl - i);
    i = nl == std::string_view::npos ? header.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !field.empty()) {
      field.append(line);
    } else {
      if (!field.empty()) flush();
      field.assign(line);
    }
  }
  if (!field.empty()) flush();
}

}  // namespace

std::string decoded_body_text(const Structure& s, std::string_view message) {
  std::string out;
  for (const Part& p : s.parts) {
    if (!iequals(p.type, "text") || p.first_child != Part::kNone) continue;
    std::string_view body = slice(message, p.body_offset, p.body.lf);
    std::string raw = transfer_decode(p.encoding, body);
    std::string charset;
    for (const auto& prm : p.params)
      if (iequals(prm.name, "charset")) charset = prm.value;
    auto u = to_utf8(charset, raw);
    out += u ? *u : *to_utf8("utf-8", raw);
    out += '\n';
  }
  return out;
}

std::string decoded_header_text(const Structure& s, std::string_view message, uint32_t part) {
  std::string out;
  if (part >= s.parts.size()) return out;
  const Part& p = s.parts[part];
  for_each_field(slice(message, p.header_offset, p.header.lf),
                 [&](std::string_view name, std::string_view value) {
                   out.append(name);
                   out += ": ";
                   out += decode_header_text(value);
                   out += '\n';
                 });
  return out;
}

std::string decoded_header_field(const Structure& s, std::string_view message,
                                 std::string_view name, uint32_t part) {
  std::string out;
  bool found = false;
  if (part >= s.parts.size()) return out;
  const Part& p = s.parts[part];
  for_each_field(slice(message, p.header_offset, p.header.lf),
                 [&](std::string_view n, std::string_view value) {
                   if (!found && iequals(n, name)) {
                     out = decode_header_text(value);
                     found = true;
                   }
                 });
  return out;
}

}  // namespace mime
