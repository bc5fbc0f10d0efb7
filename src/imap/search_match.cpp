#include "imap/search_match.h"

#include <time.h>

#include <algorithm>

#include "maildir/flags.h"
#include "mime/charset.h"
#include "mime/header_decode.h"
#include "mime/parser.h"
#include "mime/search_text.h"
#include "mime/transfer.h"

namespace imap {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

// The fields CachedSearchHeader holds (upper case).
bool is_cached_field(std::string_view upper_name) {
  return upper_name == "SUBJECT" || upper_name == "FROM" || upper_name == "TO" ||
         upper_name == "CC" || upper_name == "BCC";
}

void put_u32(std::string& out, std::uint32_t n) {
  for (int b = 0; b < 4; ++b) out += static_cast<char>((n >> (8 * b)) & 0xff);
}

bool get_u32(std::string_view blob, size_t& pos, std::uint32_t& n) {
  if (blob.size() - pos < 4) return false;
  n = 0;
  for (int b = 0; b < 4; ++b) {
    n |= static_cast<std::uint32_t>(static_cast<unsigned char>(blob[pos + b])) << (8 * b);
  }
  pos += 4;
  return true;
}

bool get_string(std::string_view blob, size_t& pos, std::string& out) {
  std::uint32_t n = 0;
  if (!get_u32(blob, pos, n) || blob.size() - pos < n) return false;
  out.assign(blob.substr(pos, n));
  pos += n;
  return true;
}

bool is_text_key(SearchKey::Kind k) {
  using K = SearchKey::Kind;
  return k == K::kHeader || k == K::kAddress || k == K::kBody || k == K::kText;
}

// The calendar day of `t` in the server's time zone (as Dovecot compares INTERNALDATE).
std::int64_t local_day(std::int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  localtime_r(&tt, &tm);
  return days_from_civil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                         static_cast<unsigned>(tm.tm_mday));
}

bool compare_day(SearchKey::Kind kind, std::int64_t have, std::int64_t want) {
  using K = SearchKey::Kind;
  switch (kind) {
    case K::kBefore:
    case K::kSentBefore:
      return have < want;
    case K::kOn:
    case K::kSentOn:
      return have == want;
    default:
      return have >= want;
  }
}

// Substring search over a text that arrives in segments: keeps the end of the previous
// normalised segment so a key spanning two segments is found.
class StreamMatch {
 public:
  explicit StreamMatch(std::string_view key) : key_(key) {}
  bool feed(std::string_view utf8) {
    std::string n = mime::normalize_for_search(utf8);
    if (!tail_.empty() && tail_.back() == ' ' && !n.empty() && n[0] == ' ') n.erase(0, 1);
    tail_ += n;
    if (tail_.find(key_) != std::string::npos) return true;
    size_t keep = key_.size() > 0 ? key_.size() - 1 : 0;
    if (tail_.size() > keep) tail_.erase(0, tail_.size() - keep);
    return false;
  }

 private:
  std::string_view key_;
  std::string tail_;
};

const std::string* param(const std::vector<mime::Param>& params, std::string_view name) {
  for (const mime::Param& p : params) {
    if (mime::iequals(p.name, name)) return &p.value;
  }
  return nullptr;
}

// Parts whose body text SEARCH reads: leaves of type text/* (the default for a part without
// Content-Type).
bool searchable_body(const mime::Part& p) {
  return !p.is_multipart() && !p.is_message() && mime::iequals(p.type, "text");
}

// Splits a raw header block into (name, unfolded raw value) pairs.
template <typename F>
void for_each_field(std::string_view h, F&& f) {
  size_t pos = 0;
  std::string name, value;
  bool have = false;
  auto flush = [&] {
    if (have) f(name, value);
    have = false;
  };
  while (pos < h.size()) {
    size_t eol = h.find('\n', pos);
    size_t next = eol == std::string_view::npos ? h.size() : eol + 1;
    std::string_view line = h.substr(pos, next - pos);
    pos = next;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      if (have) value.append(line);
      continue;
    }
    flush();
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view n = line.substr(0, colon);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
    name = upper(n);
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    value.assign(v);
    have = true;
  }
  flush();
}

int zone_minutes(std::string_view z) {
  if (z.size() == 5 && (z[0] == '+' || z[0] == '-')) {
    int v = 0;
    for (char c : z.substr(1)) {
      if (c < '0' || c > '9') return 0;
      v = v * 10 + (c - '0');
    }
    int m = (v / 100) * 60 + v % 100;
    return z[0] == '-' ? -m : m;
  }
  return 0;  // UT, GMT, military zones, unknown: as written
}

}  // namespace

std::optional<std::int64_t> sent_day(std::string_view d) {
  static constexpr std::string_view kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  std::vector<std::string_view> tok;
  size_t i = 0;
  while (i < d.size() && tok.size() < 8) {
    while (i < d.size() &&
           (d[i] == ' ' || d[i] == '\t' || d[i] == ',' || d[i] == '\r' || d[i] == '\n'))
      ++i;
    if (i < d.size() && d[i] == '(') break;  // trailing comment
    size_t start = i;
    while (i < d.size() && d[i] != ' ' && d[i] != '\t' && d[i] != ',' && d[i] != '\r' &&
           d[i] != '\n')
      ++i;
    if (i > start) tok.push_back(d.substr(start, i - start));
  }
  size_t k = 0;
  if (k < tok.size() && !tok[k].empty() && (tok[k][0] < '0' || tok[k][0] > '9')) ++k;  // weekday
  if (k + 3 > tok.size()) return std::nullopt;
  auto num = [](std::string_view s, int& out) {
    if (s.empty() || s.size() > 4) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  int day = 0, year = 0;
  if (!num(tok[k], day) || day < 1 || day > 31) return std::nullopt;
  std::string mon = upper(tok[k + 1].substr(0, 3));
  unsigned month = 0;
  for (unsigned m = 0; m < 12; ++m) {
    if (tok[k + 1].size() >= 3 && mon == kMonths[m]) month = m + 1;
  }
  if (month == 0 || !num(tok[k + 2], year)) return std::nullopt;
  if (tok[k + 2].size() <= 2)
    year += year < 50 ? 2000 : 1900;
  else if (tok[k + 2].size() == 3)
    year += 1900;
  // Time and zone: validated loosely, then ignored (RFC 3501: "disregarding time and timezone").
  int hh = 0, mm = 0;
  if (k + 3 < tok.size()) {
    std::string_view t = tok[k + 3];
    if (t.size() < 4 || t.find(':') == std::string_view::npos) return std::nullopt;
    size_t c = t.find(':');
    if (!num(t.substr(0, c), hh) || hh > 23) return std::nullopt;
    std::string_view rest = t.substr(c + 1);
    size_t c2 = rest.find(':');
    if (!num(rest.substr(0, c2), mm) || mm > 59) return std::nullopt;
  }
  if (k + 4 < tok.size()) (void)zone_minutes(tok[k + 4]);
  return days_from_civil(year, month, static_cast<unsigned>(day));
}

void normalize_search_keys(SearchKey& key) {
  if (is_text_key(key.kind)) key.text = mime::normalize_for_search(key.text);
  for (SearchKey& c : key.children) normalize_search_keys(c);
}

bool needs_message_text(const SearchKey& key) {
  using K = SearchKey::Kind;
  if (is_text_key(key.kind) || key.kind == K::kSentBefore || key.kind == K::kSentOn ||
      key.kind == K::kSentSince)
    return true;
  for (const SearchKey& c : key.children) {
    if (needs_message_text(c)) return true;
  }
  return false;
}

std::string encode_search_header(const CachedSearchHeader& h) {
  std::string out(1, '\x01');
  out += h.sent_day ? '\x01' : '\x00';
  auto day = static_cast<std::uint64_t>(h.sent_day.value_or(0));
  put_u32(out, static_cast<std::uint32_t>(day));
  put_u32(out, static_cast<std::uint32_t>(day >> 32));
  put_u32(out, static_cast<std::uint32_t>(h.fields.size()));
  for (const auto& [name, value] : h.fields) {
    put_u32(out, static_cast<std::uint32_t>(name.size()));
    out += name;
    put_u32(out, static_cast<std::uint32_t>(value.size()));
    out += value;
  }
  return out;
}

bool decode_search_header(std::string_view blob, CachedSearchHeader& out) {
  if (blob.size() < 2 || blob[0] != '\x01' || (blob[1] != '\x00' && blob[1] != '\x01')) {
    return false;
  }
  size_t pos = 2;
  CachedSearchHeader h;
  std::uint32_t lo = 0, hi = 0, count = 0;
  if (!get_u32(blob, pos, lo) || !get_u32(blob, pos, hi) || !get_u32(blob, pos, count)) {
    return false;
  }
  if (blob[1] == '\x01') {
    h.sent_day = static_cast<std::int64_t>((std::uint64_t{hi} << 32) | lo);
  } else if (lo != 0 || hi != 0) {
    return false;  // no day: written as zeros (one encoding per header, as encode makes it)
  }
  if (count > (blob.size() - pos) / 8) return false;  // each field takes at least 8 bytes
  h.fields.resize(count);
  for (auto& [name, value] : h.fields) {
    if (!get_string(blob, pos, name) || !get_string(blob, pos, value)) return false;
  }
  if (pos != blob.size()) return false;
  out = std::move(h);
  return true;
}

bool header_cache_suffices(const SearchKey& key) {
  using K = SearchKey::Kind;
  if (key.kind == K::kBody || key.kind == K::kText) return false;
  if ((key.kind == K::kHeader || key.kind == K::kAddress) && !is_cached_field(upper(key.field))) {
    return false;
  }
  for (const SearchKey& c : key.children) {
    if (!header_cache_suffices(c)) return false;
  }
  return true;
}

bool MessageMatcher::matches(const SearchKey& root) {
  Tri t = eval(root, kView);
  if (t == Tri::kUnknown) t = eval(root, kHeader);
  if (t == Tri::kUnknown) t = eval(root, kFull);
  return t == Tri::kTrue;
}

MessageMatcher::Tri MessageMatcher::eval(const SearchKey& k, Level level) {
  using K = SearchKey::Kind;
  auto tri = [](bool b) { return b ? Tri::kTrue : Tri::kFalse; };
  switch (k.kind) {
    case K::kAnd: {
      Tri r = Tri::kTrue;
      for (const SearchKey& c : k.children) {
        Tri x = eval(c, level);
        if (x == Tri::kFalse) return Tri::kFalse;
        if (x == Tri::kUnknown) r = Tri::kUnknown;
      }
      return r;
    }
    case K::kOr: {
      Tri a = eval(k.children[0], level);
      if (a == Tri::kTrue) return a;
      Tri b = eval(k.children[1], level);
      if (b == Tri::kTrue) return b;
      return a == Tri::kFalse && b == Tri::kFalse ? Tri::kFalse : Tri::kUnknown;
    }
    case K::kNot: {
      Tri a = eval(k.children[0], level);
      return a == Tri::kUnknown ? a : tri(a == Tri::kFalse);
    }
    case K::kSequence:
      return tri(facts_.seq != 0 && k.set.contains(facts_.seq, facts_.max_seq));
    case K::kUid:
      return tri(k.set.contains(facts_.uid, facts_.max_uid));
    case K::kSaved:
      return tri(std::binary_search(k.uids.begin(), k.uids.end(), facts_.uid));
    case K::kOlder:
    case K::kYounger: {
      auto t = access_.internal_date();
      if (!t) return Tri::kFalse;
      return tri(k.kind == K::kOlder ? *t <= k.cutoff : *t >= k.cutoff);
    }
    case K::kFlag:
      return tri((facts_.flags & k.flag) != 0);
    case K::kKeyword:
      return tri(access_.has_keyword(k.text));
    case K::kRecent:
      return tri(facts_.recent);
    case K::kModseq:
      return tri(facts_.modseq >= k.number);
    case K::kLarger:
    case K::kSmaller: {
      auto size = access_.size();
      if (!size) return Tri::kFalse;
      return tri(k.kind == K::kLarger ? *size > k.number : *size < k.number);
    }
    case K::kBefore:
    case K::kOn:
    case K::kSince: {
      auto t = access_.internal_date();
      if (!t) return Tri::kFalse;
      return tri(compare_day(k.kind, local_day(*t), k.day));
    }
    case K::kSentBefore:
    case K::kSentOn:
    case K::kSentSince:
    case K::kHeader:
    case K::kAddress:
      if (level < kHeader) return Tri::kUnknown;
      return eval_header_key(k);
    case K::kText:
      if (level < kHeader) return Tri::kUnknown;
      if (k.text.empty()) return Tri::kTrue;
      if (!load_header()) return Tri::kFalse;
      if (!header_text_) {
        header_text_.emplace();
        for (Field& f : fields_) {
          *header_text_ += mime::normalize_for_search(f.name + ": ");
          *header_text_ += field_value(f);
          *header_text_ += ' ';
        }
      }
      if (header_text_->find(k.text) != std::string::npos) return Tri::kTrue;
      if (level < kFull) return Tri::kUnknown;
      return tri(body_contains(k));
    case K::kBody:
      if (level < kFull) return Tri::kUnknown;
      if (k.text.empty()) return Tri::kTrue;
      return tri(body_contains(k));
  }
  return Tri::kFalse;
}

MessageMatcher::Tri MessageMatcher::eval_header_key(const SearchKey& k) {
  using K = SearchKey::Kind;
  if (!load_header()) return Tri::kFalse;
  if (k.kind == K::kSentBefore || k.kind == K::kSentOn || k.kind == K::kSentSince) {
    // A message without a usable Date: counts as sent on 1970-01-01 (as Dovecot treats it).
    return compare_day(k.kind, sent_day_.value_or(0), k.day) ? Tri::kTrue : Tri::kFalse;
  }
  std::string name = upper(k.field);
  for (Field& f : fields_) {
    if (f.name != name) continue;
    if (k.text.empty() || field_value(f).find(k.text) != std::string::npos) return Tri::kTrue;
  }
  return Tri::kFalse;
}

const std::string& MessageMatcher::field_value(Field& f) {
  if (!f.normalized) {
    f.value = mime::normalize_for_search(mime::decode_header_text(f.raw));
    f.normalized = true;
  }
  return f.value;
}

bool MessageMatcher::load_header() {
  if (header_loaded_) return header_ok_;
  header_loaded_ = true;
  if (use_cache_) {
    CachedSearchHeader cached;
    if (access_.cached_header(cached)) {
      for (auto& [name, value] : cached.fields) {
        fields_.push_back({std::move(name), {}, std::move(value), true});
      }
      sent_day_ = cached.sent_day;
      header_ok_ = true;
      return true;
    }
  }
  std::string header, chunk;
  std::uint64_t offset = 0;
  size_t end = std::string::npos;
  size_t want = 16 * 1024;  // most headers fit; grows to kSearchChunk
  while (header.size() < kMaxSearchHeader) {
    if (!access_.read(offset, want, chunk)) return false;
    want = kSearchChunk;
    if (chunk.empty()) break;
    offset += chunk.size();
    size_t from = header.size() > 2 ? header.size() - 2 : 0;
    header += chunk;
    if (header[0] == '\n' || header.rfind("\r\n", 0) == 0) {
      end = 0;
      break;
    }
    size_t p = header.find("\n\n", from);
    size_t q = header.find("\n\r\n", from);
    end = std::min(p, q);
    if (end != std::string::npos) break;
  }
  if (end != std::string::npos) header.resize(end + 1);
  std::optional<std::int64_t> date;
  bool date_seen = false;
  for_each_field(header, [&](const std::string& name, const std::string& raw) {
    if (name == "DATE" && !date_seen) {
      date_seen = true;
      date = sent_day(raw);
    }
    fields_.push_back({name, raw, {}, false});
  });
  sent_day_ = date;
  header_ok_ = true;
  if (use_cache_) {
    CachedSearchHeader keep;
    keep.sent_day = sent_day_;
    for (Field& f : fields_) {
      if (is_cached_field(f.name)) keep.fields.emplace_back(f.name, field_value(f));
    }
    access_.store_header(keep);
  }
  return true;
}

bool MessageMatcher::body_contains(const SearchKey& k) {
  ++body_reads_;
  std::string chunk;
  if (!structure_) {
    mime::Parser parser;
    std::uint64_t offset = 0;
    for (;;) {
      if (!access_.read(offset, kSearchChunk, chunk)) return false;
      if (chunk.empty()) break;
      parser.feed(chunk);
      offset += chunk.size();
    }
    structure_ = parser.finish();
  }
  bool first = true;
  for (const mime::Part& part : structure_->parts) {
    // TEXT also covers the header of every MIME part and encapsulated message (as Dovecot).
    if (k.kind == SearchKey::Kind::kText && !first && part.header.lf > 0) {
      size_t len = static_cast<size_t>(std::min<std::uint64_t>(part.header.lf, kMaxSearchHeader));
      if (!access_.read(part.header_offset, len, chunk)) return false;
      std::string text;
      for_each_field(chunk, [&](const std::string& name, const std::string& raw) {
        text += mime::normalize_for_search(name + ": " + mime::decode_header_text(raw));
        text += ' ';
      });
      if (text.find(k.text) != std::string::npos) return true;
    }
    first = false;
    if (!searchable_body(part)) continue;
    const std::string* cs = param(part.params, "charset");
    std::string charset = cs ? *cs : "";
    bool convert = !charset.empty() && !mime::iequals(charset, "utf-8") &&
                   !mime::iequals(charset, "us-ascii") && mime::charset_known(charset);
    auto to_text = [&](std::string_view bytes) -> std::string {
      if (!convert) return std::string(bytes);
      auto u = mime::to_utf8(charset, bytes);
      return u ? *u : std::string(bytes);
    };
    mime::TransferDecoder decoder(part.encoding);
    StreamMatch match(k.text);
    std::string decoded;
    std::uint64_t pos = part.body_offset;
    std::uint64_t end = part.body_offset + part.body.lf;
    while (pos < end) {
      size_t want = static_cast<size_t>(std::min<std::uint64_t>(kSearchChunk, end - pos));
      if (!access_.read(pos, want, chunk)) return false;
      if (chunk.empty()) break;
      pos += chunk.size();
      decoder.feed(chunk, decoded);
      // Convert whole lines only: a line end is a safe point for every supported charset
      // (ISO-2022-JP returns to ASCII before it), so no multibyte sequence is split.
      size_t cut = decoded.rfind('\n');
      if (cut == std::string::npos) {
        if (decoded.size() < kMaxSearchHeader) continue;
        cut = decoded.size();
      } else {
        ++cut;
      }
      if (match.feed(to_text(std::string_view(decoded).substr(0, cut)))) return true;
      decoded.erase(0, cut);
    }
    decoder.finish(decoded);
    if (match.feed(to_text(decoded))) return true;
  }
  return false;
}

}  // namespace imap
