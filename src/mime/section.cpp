#include "mime/section.h"

#include <charconv>

namespace mime {

namespace {
uint32_t nth_child(const Structure& s, uint32_t parent, uint32_t n) {
  uint32_t c = s.parts[parent].first_child;
  for (uint32_t i = 1; c != Part::kNone && i < n; ++i) c = s.parts[c].next_sibling;
  return c;
}
}  // namespace

std::optional<uint32_t> find_section(const Structure& s, std::string_view numbers) {
  if (s.parts.empty()) return std::nullopt;
  if (numbers.empty()) return 0u;
  uint32_t node = 0;  // a message (root or encapsulated) or a multipart
  while (true) {
    size_t dot = numbers.find('.');
    std::string_view num = numbers.substr(0, dot);
    uint32_t n = 0;
    auto r = std::from_chars(num.data(), num.data() + num.size(), n);
    if (num.empty() || num[0] == '0' || r.ec != std::errc() || r.ptr != num.data() + num.size())
      return std::nullopt;
    uint32_t part;
    if (s.parts[node].is_multipart()) {
      part = nth_child(s, node, n);
      if (part == Part::kNone) return std::nullopt;
    } else if (n == 1) {
      part = node;
    } else {
      return std::nullopt;
    }
    if (dot == std::string_view::npos) return part;
    numbers.remove_prefix(dot + 1);
    const Part& p = s.parts[part];
    if (p.is_message() && p.first_child != Part::kNone) {
      node = p.first_child;
    } else if (part != node) {
      node = part;  // a multipart's children, or (as Dovecot) N.1 of a leaf part N is N itself
    } else {
      return std::nullopt;
    }
  }
}

std::optional<Span> section_span(const Structure& s, std::string_view numbers, SectionText text) {
  auto found = find_section(s, numbers);
  if (!found) return std::nullopt;
  const Part& p = s.parts[*found];
  auto header_of = [](const Part& q) { return Span{q.header_offset, q.header.lf, q.header.crlf}; };
  auto body_of = [](const Part& q) { return Span{q.body_offset, q.body.lf, q.body.crlf}; };
  const bool root = numbers.empty();
  switch (text) {
    case SectionText::kAll:
      if (root) return Span{0, s.size_lf, s.size_crlf};
      return body_of(p);
    case SectionText::kMime:
      if (root) return std::nullopt;
      return header_of(p);
    case SectionText::kHeader:
    case SectionText::kText: {
      const Part* m = nullptr;
      if (root) {
        m = &p;
      } else if (p.is_message() && p.first_child != Part::kNone) {
        m = &s.parts[p.first_child];
      }
      if (!m) return std::nullopt;
      return text == SectionText::kHeader ? header_of(*m) : body_of(*m);
    }
  }
  return std::nullopt;
}

}  // namespace mime
