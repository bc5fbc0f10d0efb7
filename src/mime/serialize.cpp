// Structure ⇄ bytes. Layout (version 1): "TM", 0x01, then varints (LEB128) and strings (varint
// length + bytes) in the field order of structure.h; tree links and the envelope index are
// stored +1 so that kNone is 0. See docs/mime.md.
#include "mime/serialize.h"

namespace mime {

namespace {

constexpr unsigned char kVersion = 1;
constexpr uint32_t kMaxDepth = 1000;  // renderers recurse per level

void put_u(std::string& o, uint64_t v) {
  while (v >= 0x80) {
    o += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  o += static_cast<char>(v);
}
void put_s(std::string& o, std::string_view s) {
  put_u(o, s.size());
  o.append(s);
}
void put_link(std::string& o, uint32_t v) {
  put_u(o, v == Part::kNone ? 0 : uint64_t(v) + 1);
}
void put_size(std::string& o, const Size& s) {
  put_u(o, s.lf);
  put_u(o, s.crlf);
  put_u(o, s.lines);
}
void put_params(std::string& o, const std::vector<Param>& ps) {
  put_u(o, ps.size());
  for (const auto& p : ps) {
    put_s(o, p.name);
    put_s(o, p.value);
  }
}

struct Reader {
  std::string_view in;
  size_t i = 0;
  bool bad = false;
  uint64_t u() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= in.size()) {
        bad = true;
        return 0;
      }
      unsigned char c = static_cast<unsigned char>(in[i++]);
      v |= uint64_t(c & 0x7F) << shift;
      if (!(c & 0x80)) return v;
    }
    bad = true;
    return 0;
  }
  std::string s() {
    uint64_t n = u();
    if (bad || n > in.size() - i) {
      bad = true;
      return {};
    }
    std::string out(in.substr(i, n));
    i += n;
    return out;
  }
  uint32_t link() {
    uint64_t v = u();
    if (v > 0xffffffffull) bad = true;
    return v == 0 ? Part::kNone : static_cast<uint32_t>(v - 1);
  }
  Size size() {
    Size z;
    z.lf = u();
    z.crlf = u();
    uint64_t l = u();
    if (l > 0xffffffffull) bad = true;
    z.lines = static_cast<uint32_t>(l);
    return z;
  }
  // a count of items each at least `min_bytes` long
  uint64_t count(size_t min_bytes) {
    uint64_t n = u();
    if (n > (in.size() - i) / min_bytes) bad = true;
    return bad ? 0 : n;
  }
  std::vector<Param> params() {
    std::vector<Param> ps;
    uint64_t n = count(2);
    for (uint64_t k = 0; k < n && !bad; ++k) {
      Param p;
      p.name = s();
      p.value = s();
      ps.push_back(std::move(p));
    }
    return ps;
  }
};

}  // namespace

std::string encode_structure(const Structure& st) {
  std::string o = "TM";
  o += static_cast<char>(kVersion);
  put_u(o, st.size_lf);
  put_u(o, st.size_crlf);
  put_u(o, st.limited ? 1 : 0);
  put_u(o, st.envelopes.size());
  for (const auto& e : st.envelopes) {
    put_u(o, e.present);
    for (const std::string* f : {&e.date, &e.subject, &e.from, &e.sender, &e.reply_to, &e.to, &e.cc,
                                 &e.bcc, &e.in_reply_to, &e.message_id})
      put_s(o, *f);
  }
  put_u(o, st.parts.size());
  for (const auto& p : st.parts) {
    put_u(o, p.header_offset);
    put_size(o, p.header);
    put_u(o, p.body_offset);
    put_size(o, p.body);
    put_s(o, p.type);
    put_s(o, p.subtype);
    put_params(o, p.params);
    put_u(o, p.has_content_type ? 1 : 0);
    put_s(o, p.encoding);
    put_s(o, p.id);
    put_s(o, p.description);
    put_s(o, p.md5);
    put_s(o, p.disposition);
    put_params(o, p.disposition_params);
    put_u(o, p.language.size());
    for (const auto& l : p.language) put_s(o, l);
    put_s(o, p.location);
    put_link(o, p.parent);
    put_link(o, p.first_child);
    put_link(o, p.next_sibling);
    put_u(o, p.depth);
    put_link(o, p.envelope);
    put_u(o, p.header_truncated ? 1 : 0);
  }
  return o;
}

maildir::Result<Structure> decode_structure(std::string_view bytes) {
  auto corrupt = [](const char* why) {
    return maildir::Status(maildir::Code::kCorrupt, std::string("mime structure: ") + why);
  };
  if (bytes.size() < 3 || bytes[0] != 'T' || bytes[1] != 'M') return corrupt("bad magic");
  if (static_cast<unsigned char>(bytes[2]) != kVersion) return corrupt("unknown version");
  Reader r{bytes, 3};
  Structure st;
  st.size_lf = r.u();
  st.size_crlf = r.u();
  st.limited = r.u() != 0;
  uint64_t ne = r.count(11);
  for (uint64_t k = 0; k < ne && !r.bad; ++k) {
    EnvelopeFields e;
    e.present = static_cast<uint16_t>(r.u());
    for (std::string* f : {&e.date, &e.subject, &e.from, &e.sender, &e.reply_to, &e.to, &e.cc,
                           &e.bcc, &e.in_reply_to, &e.message_id})
      *f = r.s();
    st.envelopes.push_back(std::move(e));
  }
  uint64_t np = r.count(20);
  for (uint64_t k = 0; k < np && !r.bad; ++k) {
    Part p;
    p.header_offset = r.u();
    p.header = r.size();
    p.body_offset = r.u();
    p.body = r.size();
    p.type = r.s();
    p.subtype = r.s();
    p.params = r.params();
    p.has_content_type = r.u() != 0;
    p.encoding = r.s();
    p.id = r.s();
    p.description = r.s();
    p.md5 = r.s();
    p.disposition = r.s();
    p.disposition_params = r.params();
    uint64_t nl = r.count(1);
    for (uint64_t l = 0; l < nl && !r.bad; ++l) p.language.push_back(r.s());
    p.location = r.s();
    p.parent = r.link();
    p.first_child = r.link();
    p.next_sibling = r.link();
    uint64_t depth = r.u();
    p.depth = static_cast<uint32_t>(depth);
    p.envelope = r.link();
    p.header_truncated = r.u() != 0;
    if (depth > 0xffffffffull) r.bad = true;
    st.parts.push_back(std::move(p));
  }
  if (r.bad) return corrupt("truncated or overlong");
  if (r.i != bytes.size()) return corrupt("trailing bytes");
  if (st.parts.empty()) return corrupt("no parts");
  // Links must point forward (pre-order) and stay in range, so walks always terminate.
  const uint32_t n = static_cast<uint32_t>(st.parts.size());
  for (uint32_t k = 0; k < n; ++k) {
    const Part& p = st.parts[k];
    if (p.first_child != Part::kNone && (p.first_child <= k || p.first_child >= n))
      return corrupt("bad child link");
    if (p.next_sibling != Part::kNone && (p.next_sibling <= k || p.next_sibling >= n))
      return corrupt("bad sibling link");
    if (p.parent != Part::kNone && p.parent >= k) return corrupt("bad parent link");
    if ((k == 0) != (p.parent == Part::kNone)) return corrupt("bad root");
    if (p.first_child != Part::kNone && st.parts[p.first_child].parent != k)
      return corrupt("child does not name its parent");
    if (p.next_sibling != Part::kNone && st.parts[p.next_sibling].parent != p.parent)
      return corrupt("sibling has another parent");
    if (p.parent != Part::kNone && p.depth != st.parts[p.parent].depth + 1)
      return corrupt("bad depth");
    if (p.depth > kMaxDepth) return corrupt("too deep");
    if (p.envelope != Part::kNone && p.envelope >= st.envelopes.size())
      return corrupt("bad envelope index");
  }
  return st;
}

}  // namespace mime
