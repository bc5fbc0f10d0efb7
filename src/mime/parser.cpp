// The streaming MIME parser.
//
// The input is cut into lines (a line ends after its LF; the last line may lack one). Only a
// bounded prefix of each line is kept, which is all header parsing and boundary matching need.
// Every position the structure records is a "mark": the byte offset plus the running counts of
// LFs and of bare LFs (LF not preceded by CR) up to it, so any region's IMAP size (bare LF
// counted as CRLF) and line count are differences of two marks, found in the one pass.
//
// Regions: each open part is either in its header or in its body. The innermost open region
// (header, leaf body, preamble or epilogue) starts at `region_start_`. When a delimiter line
// "--boundary" of an open multipart M arrives, every open part below M ends at the delimiter's
// line start, minus the LF just before it when that LF lies inside the innermost region (the
// CRLF before a delimiter belongs to the delimiter; a delimiter line's own LF belongs to that
// delimiter, so it is never taken twice). This matches Dovecot's sizes and line counts.
#include "mime/parser.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "mime/header_field.h"

namespace mime {

namespace {

struct Mark {
  uint64_t off = 0;
  uint64_t lfs = 0;
  uint64_t bare = 0;
};

Size size_between(const Mark& a, const Mark& b) {
  Size s;
  s.lf = b.off - a.off;
  s.crlf = s.lf + (b.bare - a.bare);
  s.lines = static_cast<uint32_t>(std::min<uint64_t>(b.lfs - a.lfs, 0xffffffffu));
  return s;
}

constexpr size_t kBodyLineKeep = 1024;  // boundaries longer than this are not recognised

int envelope_field_index(std::string_view lname) {
  static constexpr std::string_view kNames[EnvelopeFields::kCount] = {
      "date", "subject", "from", "sender",      "reply-to",
      "to",   "cc",      "bcc",  "in-reply-to", "message-id"};
  for (int i = 0; i < EnvelopeFields::kCount; ++i)
    if (lname == kNames[i]) return i;
  return -1;
}

std::string* envelope_slot(EnvelopeFields& e, int i) {
  std::string* slots[EnvelopeFields::kCount] = {&e.date,        &e.subject,   &e.from, &e.sender,
                                                &e.reply_to,    &e.to,        &e.cc,   &e.bcc,
                                                &e.in_reply_to, &e.message_id};
  return slots[i];
}

}  // namespace

struct Parser::State {
  Limits limits;
  Structure s;

  struct Open {
    uint32_t part;
    bool in_header;
    Mark header_start;
    Mark body_start;
    uint32_t fields = 0;
    uint32_t last_child = Part::kNone;
  };
  std::vector<Open> open;  // path from the root to the innermost open part
  struct Boundary {
    std::string text;
    size_t open_index;  // index into `open` of the multipart
  };
  std::vector<Boundary> boundaries;

  Mark pos;           // at the start of the current (incomplete) line
  Mark region_start;  // innermost region start
  std::string line;   // kept prefix of the current line
  uint64_t line_len = 0;
  bool prev_cr = false;  // last byte of the current line so far is CR
  std::string field;     // pending unfolded header field
  bool field_active = false;
  bool finished = false;

  // ---- part creation / closing ----
  uint32_t new_part(uint32_t parent, const Mark& header_start) {
    Part p;
    p.parent = parent;
    p.header_offset = header_start.off;
    if (parent != Part::kNone) {
      p.depth = s.parts[parent].depth + 1;
      const Part& pp = s.parts[parent];
      if (pp.is_multipart() && iequals(pp.subtype, "digest")) {
        p.type = "message";
        p.subtype = "rfc822";
      }
    }
    uint32_t idx = static_cast<uint32_t>(s.parts.size());
    s.parts.push_back(std::move(p));
    if (parent != Part::kNone) {
      // link as last child of parent
      for (auto& o : open) {
        if (o.part == parent) {
          if (o.last_child == Part::kNone) {
            s.parts[parent].first_child = idx;
          } else {
            s.parts[o.last_child].next_sibling = idx;
          }
          o.last_child = idx;
          break;
        }
      }
    }
    return idx;
  }

  void open_part(uint32_t parent, const Mark& start, bool message_header) {
    uint32_t idx = new_part(parent, start);
    if (message_header) {
      s.parts[idx].envelope = static_cast<uint32_t>(s.envelopes.size());
      s.envelopes.emplace_back();
    }
    Open o;
    o.part = idx;
    o.in_header = true;
    o.header_start = start;
    o.body_start = start;
    open.push_back(o);
    region_start = start;
  }

  // Ends the innermost open part at `end`.
  void close_top(const Mark& end) {
    Open& o = open.back();
    Part& p = s.parts[o.part];
    if (o.in_header) {
      flush_field();
      Mark e = end.off < o.header_start.off ? o.header_start : end;
      p.header = size_between(o.header_start, e);
      p.body_offset = e.off;
      p.body = Size{};
    } else {
      Mark e = end.off < o.body_start.off ? o.body_start : end;
      p.body = size_between(o.body_start, e);
      if (p.is_multipart() && p.first_child == Part::kNone) {
        // Dovecot shows a multipart without parts as one empty text/plain part.
        Part empty;
        empty.parent = o.part;
        empty.depth = p.depth + 1;
        empty.header_offset = e.off;
        empty.body_offset = e.off;
        uint32_t idx = static_cast<uint32_t>(s.parts.size());
        s.parts.push_back(std::move(empty));
        s.parts[o.part].first_child = idx;
      }
    }
    open.pop_back();
  }

  // ---- header fields ----
  void flush_field() {
    if (!field_active) return;
    field_active = false;
    Open& o = open.back();
    Part& p = s.parts[o.part];
    if (o.fields >= limits.max_header_fields) {
      p.header_truncated = true;
      s.limited = true;
      field.clear();
      return;
    }
    ++o.fields;
    size_t colon = field.find(':');
    if (colon == std::string::npos) {
      field.clear();
      return;
    }
    std::string name(detail::trim(std::string_view(field).substr(0, colon)));
    for (auto& c : name)
      if (c >= 'A' && c <= 'Z') c = char(c + 32);
    std::string_view value = std::string_view(field).substr(colon + 1);
    // unfold: drop CR and LF, keep the whitespace that follows
    std::string unfolded;
    unfolded.reserve(value.size());
    for (char c : value)
      if (c != '\r' && c != '\n') unfolded += c;
    std::string v(detail::trim(unfolded));

    if (name.rfind("content-", 0) == 0) {
      std::string_view n = std::string_view(name).substr(8);
      if (n == "type") {
        if (!p.has_content_type) {
          std::string head;
          std::vector<Param> params;
          detail::parse_value_params(v, head, params);
          size_t slash = head.find('/');
          if (slash != std::string::npos && slash > 0 && slash + 1 < head.size() &&
              head.find('/', slash + 1) == std::string::npos) {
            p.type = head.substr(0, slash);
            p.subtype = head.substr(slash + 1);
            p.params = std::move(params);
            p.has_content_type = true;
          } else {
            p.params = std::move(params);
            p.has_content_type = true;
          }
        }
      } else if (n == "transfer-encoding") {
        if (p.encoding.empty()) {
          std::string head;
          std::vector<Param> params;
          detail::parse_value_params(v, head, params);
          p.encoding = head;
        }
      } else if (n == "id") {
        if (p.id.empty()) p.id = v;
      } else if (n == "description") {
        if (p.description.empty()) p.description = v;
      } else if (n == "md5") {
        if (p.md5.empty()) p.md5 = v;
      } else if (n == "disposition") {
        if (p.disposition.empty()) {
          std::string head;
          detail::parse_value_params(v, head, p.disposition_params);
          p.disposition = head;
        }
      } else if (n == "language") {
        if (p.language.empty()) {
          std::string cur;
          size_t i = 0;
          while (i <= v.size()) {
            if (i == v.size() || v[i] == ',' || v[i] == ' ' || v[i] == '\t' || v[i] == '(') {
              if (i < v.size() && v[i] == '(') {
                size_t j = detail::skip_cfws(v, i);
                i = j;
                if (!cur.empty()) p.language.push_back(std::move(cur));
                cur.clear();
                continue;
              }
              if (!cur.empty()) p.language.push_back(std::move(cur));
              cur.clear();
            } else {
              cur += v[i];
            }
            ++i;
          }
        }
      } else if (n == "location") {
        if (p.location.empty()) {
          for (char c : v)
            if (c != ' ' && c != '\t') p.location += c;
        }
      }
    } else if (p.envelope != Part::kNone) {
      int ei = envelope_field_index(name);
      if (ei >= 0) {
        EnvelopeFields& e = s.envelopes[p.envelope];
        if (!(e.present & (1u << ei))) {
          e.present = static_cast<uint16_t>(e.present | (1u << ei));
          *envelope_slot(e, ei) = std::move(v);
        }
      }
    }
    field.clear();
  }

  void end_header(const Mark& line_end) {
    flush_field();
    Open& o = open.back();
    o.in_header = false;
    o.body_start = line_end;
    Part& p = s.parts[o.part];
    p.header = size_between(o.header_start, line_end);
    p.body_offset = line_end.off;
    region_start = line_end;
    uint32_t idx = o.part;
    bool deep = p.depth + 1 > limits.max_depth;
    if (p.is_multipart()) {
      std::string boundary;
      for (const auto& prm : p.params)
        if (iequals(prm.name, "boundary")) {
          boundary = prm.value;
          break;
        }
      if (!boundary.empty() && boundary.size() <= kBodyLineKeep - 4) {
        if (deep) {
          s.limited = true;
        } else {
          boundaries.push_back(Boundary{std::move(boundary), open.size() - 1});
        }
      }
    } else if (p.is_message()) {
      if (deep || s.parts.size() >= limits.max_parts) {
        s.limited = true;
      } else {
        open_part(idx, line_end, true);
      }
    }
  }

  // ---- lines ----
  void header_line(std::string_view l, const Mark& line_end) {
    std::string_view content = l;
    if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    if (content.empty() && line_end.off > pos.off && (l.size() > 0 && l.back() == '\n')) {
      end_header(line_end);
      return;
    }
    if (!content.empty() && (content[0] == ' ' || content[0] == '\t') && field_active) {
      if (field.size() < limits.max_line) {
        field.append(content.substr(0, limits.max_line - field.size()));
      } else {
        s.parts[open.back().part].header_truncated = true;
        s.limited = true;
      }
      return;
    }
    flush_field();
    field.assign(content.substr(0, std::min<size_t>(content.size(), limits.max_line)));
    field_active = true;
  }

  // Returns the index into `boundaries` of the delimiter this line is, or -1; sets `close`.
  int match_boundary(std::string_view l, bool& close) const {
    if (l.size() < 3 || l[0] != '-' || l[1] != '-') return -1;
    for (size_t k = boundaries.size(); k-- > 0;) {
      const std::string& b = boundaries[k].text;
      if (l.size() >= 2 + b.size() && l.compare(2, b.size(), b) == 0) {
        close = l.size() >= 4 + b.size() && l[2 + b.size()] == '-' && l[3 + b.size()] == '-';
        return static_cast<int>(k);
      }
    }
    return -1;
  }

  void delimiter(size_t k, bool close, const Mark& line_end, bool ended_crlf_prev) {
    // End position: line start minus the preceding [CR]LF when it is inside the region.
    Mark end = pos;
    if (pos.off > 0) {
      uint64_t lf_len = ended_crlf_prev ? 2 : 1;
      if (pos.off >= region_start.off + lf_len) {
        end.off -= lf_len;
        end.lfs -= 1;
        if (!ended_crlf_prev) end.bare -= 1;
      }
    }
    size_t m_open = boundaries[k].open_index;
    while (open.size() > m_open + 1) close_top(end);
    boundaries.resize(k + 1);
    if (close) {
      boundaries.pop_back();
      region_start = line_end;  // epilogue
      return;
    }
    if (s.parts.size() >= limits.max_parts) {
      s.limited = true;
      boundaries.pop_back();  // the rest of this multipart is opaque epilogue
      region_start = line_end;
      return;
    }
    open_part(open[m_open].part, line_end, false);
  }

  bool last_line_crlf = false;  // the previous complete line ended with CRLF

  void complete_line(bool has_lf) {
    Mark line_end = pos;
    line_end.off += line_len;
    bool crlf = false;
    if (has_lf) {
      line_end.lfs += 1;
      crlf = prev_cr;
      if (!crlf) line_end.bare += 1;
    }
    if (!open.empty()) {
      bool close = false;
      int k = boundaries.empty() ? -1 : match_boundary(line, close);
      if (k >= 0) {
        delimiter(static_cast<size_t>(k), close, line_end, last_line_crlf);
      } else if (open.back().in_header) {
        header_line(line, line_end);
      }
    }
    pos = line_end;
    last_line_crlf = crlf;
    line.clear();
    line_len = 0;
    prev_cr = false;
  }

  size_t keep_limit() const {
    return (!open.empty() && open.back().in_header) ? limits.max_line + 2 : kBodyLineKeep;
  }

  void feed(std::string_view data) {
    size_t i = 0;
    while (i < data.size()) {
      const char* nl = static_cast<const char*>(memchr(data.data() + i, '\n', data.size() - i));
      size_t end = nl ? static_cast<size_t>(nl - data.data()) + 1 : data.size();
      std::string_view chunk = data.substr(i, end - i);
      size_t keep = keep_limit();
      if (line.size() < keep)
        line.append(chunk.substr(0, std::min(chunk.size(), keep - line.size())));
      line_len += chunk.size();
      if (nl) {
        prev_cr = chunk.size() >= 2 ? chunk[chunk.size() - 2] == '\r' : prev_cr;
        complete_line(true);
      } else if (!chunk.empty()) {
        prev_cr = chunk.back() == '\r';
      }
      i = end;
    }
  }

  Structure finish() {
    if (line_len > 0) complete_line(false);
    while (!open.empty()) close_top(pos);
    s.size_lf = pos.off;
    s.size_crlf = pos.off + pos.bare;
    finished = true;
    return std::move(s);
  }
};

Parser::Parser(Limits limits) : s_(std::make_unique<State>()) {
  s_->limits = limits;
  if (s_->limits.max_depth == 0) s_->limits.max_depth = 1;
  if (s_->limits.max_parts == 0) s_->limits.max_parts = 1;
  s_->open_part(Part::kNone, Mark{}, true);
}

Parser::~Parser() = default;

void Parser::feed(std::string_view data) {
  if (!s_->finished) s_->feed(data);
}

Structure Parser::finish() {
  if (s_->finished) return Structure{};
  return s_->finish();
}

Structure parse(std::string_view message, Limits limits) {
  Parser p(limits);
  p.feed(message);
  return p.finish();
}

}  // namespace mime
