#include "imap/sort.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <numeric>

#include "imap/base_subject.h"
#include "imap/search_program.h"
#include "mime/address.h"
#include "mime/header_decode.h"

namespace imap {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

// The first address of a list as ENVELOPE gives it — a group's start counts, its mailbox being
// the group name (what Dovecot sorts by too); nullptr if none.
const mime::Address* first_address(const std::vector<mime::Address>& list) {
  if (list.empty() || list[0].mailbox_nil) return nullptr;
  return &list[0];
}

std::string addr_mailbox(std::string_view value) {
  auto list = mime::parse_address_list(value, 8);
  const mime::Address* a = first_address(list);
  return a ? sort_text(a->mailbox) : std::string();
}

// RFC 5957: the decoded display name, or mailbox@host when it has none.
std::string display_name(std::string_view value) {
  auto list = mime::parse_address_list(value, 8);
  const mime::Address* a = first_address(list);
  if (a == nullptr) return std::string();
  if (!a->name_nil) {
    std::string name = mime::decode_header_text(a->name);
    if (name.find_first_not_of(" \t") != std::string::npos) return sort_text(name);
  }
  if (a->host_nil) return sort_text(a->mailbox);  // a group: its name
  return sort_text(a->mailbox + "@" + a->host);
}

int zone_minutes(std::string_view z, bool& ok) {
  ok = true;
  if (z.size() == 5 && (z[0] == '+' || z[0] == '-')) {
    int v = 0;
    for (char c : z.substr(1)) {
      if (c < '0' || c > '9') {
        ok = false;
        return 0;
      }
      v = v * 10 + (c - '0');
    }
    int m = (v / 100) * 60 + v % 100;
    return z[0] == '-' ? -m : m;
  }
  static constexpr struct {
    std::string_view name;
    int hours;
  } kNamed[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},    {"EST", -5},
                {"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6},
                {"PST", -8}, {"PDT", -7}, {"JST", 9}};
  std::string u = upper(z);
  for (const auto& n : kNamed) {
    if (u == n.name) return n.hours * 60;
  }
  return 0;  // military and unknown zones: RFC 5322 says treat as -0000
}

bool number(std::string_view s, int& out) {
  if (s.empty() || s.size() > 4) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// The text a string key compares (sort_text() form); nullptr for the numeric keys.
const std::string* text_key(const SortMessage& m, SortKey key) {
  switch (key) {
    case SortKey::kSubject:
      return &m.subject;
    case SortKey::kFrom:
      return &m.from;
    case SortKey::kTo:
      return &m.to;
    case SortKey::kCc:
      return &m.cc;
    case SortKey::kDisplayFrom:
      return &m.display_from;
    case SortKey::kDisplayTo:
      return &m.display_to;
    case SortKey::kArrival:
    case SortKey::kDate:
    case SortKey::kSize:
      break;
  }
  return nullptr;
}

// The first 16 bytes of `s` as two big-endian numbers, zero-padded: comparing the pairs orders
// as memcmp of the prefixes does, so most comparisons of a string sort touch only this compact
// copy; equal pairs fall back to the whole strings.
std::pair<std::uint64_t, std::uint64_t> text_prefix(const std::string& s) {
  std::uint64_t w[2] = {0, 0};
  const size_t n = std::min<size_t>(s.size(), 16);
  for (size_t i = 0; i < n; ++i) {
    w[i / 8] |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * (7 - i % 8));
  }
  return {w[0], w[1]};
}

// -1/0/1 as memcmp of the whole strings, given their text_prefix: the prefixes decide unless
// equal; two equal prefixes of strings no longer than 16 bytes differ only in length.
int compare_text(const std::pair<std::uint64_t, std::uint64_t>& pa, const std::string& a,
                 const std::pair<std::uint64_t, std::uint64_t>& pb, const std::string& b) {
  if (pa != pb) return pa < pb ? -1 : 1;
  if (a.size() <= 16 && b.size() <= 16) {
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
  }
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// The order by a single key (what clients send nearly always): one sort of compact entries
// holding the key and the sequence number, no ranks and no second sort.
std::vector<size_t> sort_by_one_key(const std::vector<const SortMessage*>& msgs,
                                    SortCriterion criterion) {
  const size_t n = msgs.size();
  const SortKey key = criterion.key;
  const bool reverse = criterion.reverse;
  std::vector<size_t> order(n);
  if (key == SortKey::kArrival || key == SortKey::kDate || key == SortKey::kSize) {
    struct Number {
      std::int64_t value;
      std::uint32_t seq;
      std::uint32_t index;
    };
    std::vector<Number> v(n);
    for (size_t i = 0; i < n; ++i) {
      const SortMessage& m = *msgs[i];
      std::int64_t x = key == SortKey::kArrival ? m.arrival
                       : key == SortKey::kDate  ? m.sent
                                                : static_cast<std::int64_t>(m.size);
      v[i] = {x, m.seq, static_cast<std::uint32_t>(i)};
    }
    std::sort(v.begin(), v.end(), [reverse](const Number& a, const Number& b) {
      if (a.value != b.value) return reverse ? b.value < a.value : a.value < b.value;
      return a.seq < b.seq;  // ties by sequence number, also under REVERSE
    });
    for (size_t i = 0; i < n; ++i) order[i] = v[i].index;
    return order;
  }
  struct Text {
    std::pair<std::uint64_t, std::uint64_t> prefix;
    const std::string* text;
    std::uint32_t seq;
    std::uint32_t index;
  };
  std::vector<Text> v(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string* t = text_key(*msgs[i], key);
    v[i] = {text_prefix(*t), t, msgs[i]->seq, static_cast<std::uint32_t>(i)};
  }
  std::sort(v.begin(), v.end(), [reverse](const Text& a, const Text& b) {
    int c = compare_text(a.prefix, *a.text, b.prefix, *b.text);
    if (c != 0) return reverse ? c > 0 : c < 0;
    return a.seq < b.seq;
  });
  for (size_t i = 0; i < n; ++i) order[i] = v[i].index;
  return order;
}

}  // namespace

bool parse_sort_criteria(const Arg& list, std::vector<SortCriterion>& out, std::string& error) {
  static constexpr struct {
    std::string_view name;
    SortKey key;
  } kKeys[] = {{"ARRIVAL", SortKey::kArrival},
               {"CC", SortKey::kCc},
               {"DATE", SortKey::kDate},
               {"FROM", SortKey::kFrom},
               {"SIZE", SortKey::kSize},
               {"SUBJECT", SortKey::kSubject},
               {"TO", SortKey::kTo},
               {"DISPLAYFROM", SortKey::kDisplayFrom},
               {"DISPLAYTO", SortKey::kDisplayTo}};
  out.clear();
  if (list.kind != Arg::Kind::kList || list.children.empty()) {
    error = "Sort criteria must be a non-empty list";
    return false;
  }
  if (list.children.size() > 32) {
    error = "Too many sort criteria";
    return false;
  }
  bool reverse = false;
  for (const Arg& a : list.children) {
    if (a.kind != Arg::Kind::kAtom) {
      error = "Invalid sort criterion";
      return false;
    }
    std::string name = upper(a.text);
    if (name == "REVERSE") {
      if (reverse) {
        error = "REVERSE twice";
        return false;
      }
      reverse = true;
      continue;
    }
    const auto* k = std::find_if(std::begin(kKeys), std::end(kKeys),
                                 [&](const auto& e) { return e.name == name; });
    if (k == std::end(kKeys)) {
      error = "Unknown sort criterion " + name;
      return false;
    }
    out.push_back({k->key, reverse});
    reverse = false;
  }
  if (reverse) {
    error = "REVERSE must be followed by a sort key";
    return false;
  }
  return true;
}

std::optional<std::int64_t> parse_sent_time(std::string_view d) {
  static constexpr std::string_view kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  std::vector<std::string_view> tok;
  size_t i = 0;
  auto sep = [](char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n'; };
  while (i < d.size() && tok.size() < 8) {
    while (i < d.size() && sep(d[i])) ++i;
    if (i < d.size() && d[i] == '(') break;  // trailing comment
    size_t start = i;
    while (i < d.size() && !sep(d[i])) ++i;
    if (i > start) tok.push_back(d.substr(start, i - start));
  }
  size_t k = 0;
  if (k < tok.size() && (tok[k][0] < '0' || tok[k][0] > '9')) ++k;  // weekday
  if (k + 3 > tok.size()) return std::nullopt;
  int day = 0, year = 0;
  if (!number(tok[k], day) || day < 1 || day > 31) return std::nullopt;
  std::string mon = upper(tok[k + 1].substr(0, 3));
  unsigned month = 0;
  for (unsigned m = 0; m < 12; ++m) {
    if (tok[k + 1].size() >= 3 && mon == kMonths[m]) month = m + 1;
  }
  if (month == 0 || !number(tok[k + 2], year)) return std::nullopt;
  if (tok[k + 2].size() <= 2) {
    year += year < 50 ? 2000 : 1900;
  } else if (tok[k + 2].size() == 3) {
    year += 1900;
  }
  int hh = 0, mm = 0, ss = 0;
  if (k + 3 < tok.size()) {
    std::string_view t = tok[k + 3];
    size_t c = t.find(':');
    if (c == std::string_view::npos || !number(t.substr(0, c), hh) || hh > 23) return std::nullopt;
    std::string_view rest = t.substr(c + 1);
    size_t c2 = rest.find(':');
    if (!number(rest.substr(0, c2), mm) || mm > 59) return std::nullopt;
    if (c2 != std::string_view::npos && (!number(rest.substr(c2 + 1), ss) || ss > 60)) {
      return std::nullopt;
    }
  }
  int zone = 0;
  if (k + 4 < tok.size()) {
    bool ok = true;
    zone = zone_minutes(tok[k + 4], ok);
    if (!ok) return std::nullopt;
  }
  std::int64_t days = days_from_civil(year, month, static_cast<unsigned>(day));
  return days * 86400 + hh * 3600 + mm * 60 + ss - zone * 60;
}

std::vector<std::string> parse_msg_ids(std::string_view value, size_t max) {
  std::vector<std::string> ids;
  size_t i = 0;
  while (i < value.size()) {
    size_t open = value.find('<', i);
    if (open == std::string_view::npos) break;
    size_t close = value.find('>', open + 1);
    if (close == std::string_view::npos) break;
    std::string_view id = value.substr(open, close - open + 1);
    // Folding whitespace inside an id is dropped; an id without '@' or empty is still an id.
    std::string clean;
    for (char c : id) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') clean += c;
    }
    if (clean.size() > 2) ids.push_back(std::move(clean));
    i = close + 1;
  }
  if (ids.size() > max) ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(max));
  return ids;
}

SortMessage make_sort_message(std::uint32_t seq, std::uint32_t uid, std::int64_t arrival,
                              std::uint64_t size, const SortHeader& h, unsigned need) {
  SortMessage m;
  m.seq = seq;
  m.uid = uid;
  m.arrival = arrival;
  m.size = size;
  m.sent = parse_sent_time(h.date).value_or(arrival);
  if (need & (sort_need(SortKey::kSubject) | kNeedThreadIds)) {
    BaseSubject b = base_subject(h.subject);
    m.subject = std::move(b.text);
    m.reply_or_forward = b.reply_or_forward;
  }
  if (need & sort_need(SortKey::kFrom)) m.from = addr_mailbox(h.from);
  if (need & sort_need(SortKey::kTo)) m.to = addr_mailbox(h.to);
  if (need & sort_need(SortKey::kCc)) m.cc = addr_mailbox(h.cc);
  if (need & sort_need(SortKey::kDisplayFrom)) m.display_from = display_name(h.from);
  if (need & sort_need(SortKey::kDisplayTo)) m.display_to = display_name(h.to);
  if (need & kNeedThreadIds) {
    auto own = parse_msg_ids(h.message_id, 1);
    if (!own.empty()) m.message_id = std::move(own[0]);
    m.references = parse_msg_ids(h.references);
    if (m.references.empty()) {
      // No usable References: the first msg-id of In-Reply-To (RFC 5256 section 4).
      auto irt = parse_msg_ids(h.in_reply_to);
      if (!irt.empty()) m.references.push_back(std::move(irt[0]));
    }
  }
  return m;
}

namespace {

std::string* sort_header_fields(SortHeader& h, size_t k) {
  std::string* fields[] = {&h.date, &h.subject,    &h.from,        &h.to,
                           &h.cc,   &h.message_id, &h.in_reply_to, &h.references};
  return k < std::size(fields) ? fields[k] : nullptr;
}

}  // namespace

std::string encode_sort_header(const SortHeader& h) {
  SortHeader copy = h;
  std::string out(1, '\x01');
  for (size_t k = 0; std::string* f = sort_header_fields(copy, k); ++k) {
    auto n = static_cast<std::uint32_t>(f->size());
    for (int b = 0; b < 4; ++b) out += static_cast<char>((n >> (8 * b)) & 0xff);
    out += *f;
  }
  return out;
}

bool decode_sort_header(std::string_view blob, SortHeader& h) {
  if (blob.empty() || blob[0] != '\x01') return false;
  size_t pos = 1;
  SortHeader out;
  for (size_t k = 0; std::string* f = sort_header_fields(out, k); ++k) {
    if (blob.size() - pos < 4) return false;
    std::uint32_t n = 0;
    for (int b = 0; b < 4; ++b) {
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(blob[pos + b])) << (8 * b);
    }
    pos += 4;
    if (blob.size() - pos < n) return false;
    f->assign(blob.substr(pos, n));
    pos += n;
  }
  if (pos != blob.size()) return false;
  h = std::move(out);
  return true;
}

std::string header_field(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t eol = header.find('\n', pos);
    std::string_view line = header.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? header.size() : eol + 1;
    if (line.empty() || line == "\r") break;  // the end of the header
    if (line.size() <= name.size() || line[name.size()] != ':' ||
        upper(line.substr(0, name.size())) != upper(name)) {
      continue;
    }
    std::string value(line.substr(name.size() + 1));
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == '\t')) {
      size_t e = header.find('\n', pos);
      value.append(header.substr(pos, e == std::string_view::npos ? e : e - pos));
      pos = e == std::string_view::npos ? header.size() : e + 1;
    }
    for (char& c : value) {
      if (c == '\r' || c == '\t') c = ' ';
    }
    size_t b = value.find_first_not_of(' ');
    size_t e = value.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : value.substr(b, e - b + 1);
  }
  return std::string();
}

std::vector<size_t> sort_messages(const std::vector<const SortMessage*>& msgs,
                                  const std::vector<SortCriterion>& criteria) {
  // Each key is ranked once (dense ranks: equal keys, equal rank; REVERSE flips the ranks),
  // then the messages are ordered by their rows of small integers and the sequence number:
  // the final sort touches one compact row per comparison instead of the large SortMessages.
  // A string key is ranked from compact (prefix, index) entries, the strings themselves read
  // only when two prefixes are equal.
  const size_t n = msgs.size();
  const size_t k = criteria.size();
  if (k == 1) return sort_by_one_key(msgs, criteria[0]);
  std::vector<std::uint32_t> ranks(n * k);
  for (size_t c = 0; c < k; ++c) {
    const SortKey key = criteria[c].key;
    const bool reverse = criteria[c].reverse;
    auto set_rank = [&](std::uint32_t i, std::uint32_t rank) {
      ranks[size_t{i} * k + c] = reverse ? ~rank : rank;
    };
    if (key == SortKey::kArrival || key == SortKey::kDate || key == SortKey::kSize) {
      // A number: ranked from a compact (value, index) array, not through the SortMessages.
      std::vector<std::pair<std::int64_t, std::uint32_t>> v(n);
      for (size_t i = 0; i < n; ++i) {
        const SortMessage& m = *msgs[i];
        std::int64_t x = key == SortKey::kArrival ? m.arrival
                         : key == SortKey::kDate  ? m.sent
                                                  : static_cast<std::int64_t>(m.size);
        v[i] = {x, static_cast<std::uint32_t>(i)};
      }
      std::sort(v.begin(), v.end());
      std::uint32_t rank = 0;
      for (size_t i = 0; i < n; ++i) {
        if (i > 0 && v[i - 1].first != v[i].first) ++rank;
        set_rank(v[i].second, rank);
      }
      continue;
    }
    struct Text {
      std::pair<std::uint64_t, std::uint64_t> prefix;
      const std::string* text;
      std::uint32_t index;
    };
    std::vector<Text> v(n);
    for (size_t i = 0; i < n; ++i) {
      const std::string* t = text_key(*msgs[i], key);
      v[i] = {text_prefix(*t), t, static_cast<std::uint32_t>(i)};
    }
    // -1/0/1 as memcmp of the whole strings; the prefixes decide unless equal.
    auto cmp = [](const Text& a, const Text& b) {
      return compare_text(a.prefix, *a.text, b.prefix, *b.text);
    };
    std::sort(v.begin(), v.end(), [&](const Text& a, const Text& b) { return cmp(a, b) < 0; });
    std::uint32_t rank = 0;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 && cmp(v[i - 1], v[i]) != 0) ++rank;
      set_rank(v[i].index, rank);
    }
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const std::uint32_t* a = &ranks[x * k];
    const std::uint32_t* b = &ranks[y * k];
    for (size_t c = 0; c < k; ++c) {
      if (a[c] != b[c]) return a[c] < b[c];
    }
    return msgs[x]->seq < msgs[y]->seq;
  });
  return order;
}

std::vector<size_t> sort_messages(const std::vector<SortMessage>& msgs,
                                  const std::vector<SortCriterion>& criteria) {
  std::vector<const SortMessage*> ptrs(msgs.size());
  for (size_t i = 0; i < msgs.size(); ++i) ptrs[i] = &msgs[i];
  return sort_messages(ptrs, criteria);
}

std::string esort_set(const std::vector<std::uint32_t>& ordered) {
  std::string out;
  for (size_t i = 0; i < ordered.size();) {
    size_t j = i;
    while (j + 1 < ordered.size() && ordered[j + 1] == ordered[j] + 1) ++j;
    if (!out.empty()) out += ',';
    append_number(out, ordered[i]);
    if (j > i) {
      out += ':';
      append_number(out, ordered[j]);
    }
    i = j + 1;
  }
  return out;
}

std::string esort_response(bool uid, unsigned options, const std::vector<std::uint32_t>& ordered,
                           std::uint64_t modseq) {
  if ((options & ~kEsearchSave) == 0) return std::string();
  std::string line;
  if (uid) line += " UID";
  if (!ordered.empty()) {
    if (options & kEsearchMin) {
      line += " MIN ";
      append_number(line, ordered.front());
    }
    if (options & kEsearchMax) {
      line += " MAX ";
      append_number(line, ordered.back());
    }
    if (options & kEsearchAll) line += " ALL " + esort_set(ordered);
  }
  if (options & kEsearchCount) {
    line += " COUNT ";
    append_number(line, ordered.size());
  }
  if (modseq != 0) {
    line += " MODSEQ ";
    append_number(line, modseq);
  }
  return line + "\r\n";
}

std::vector<std::uint32_t> esort_saved_result(unsigned options,
                                              std::vector<std::uint32_t> ordered_uids) {
  const bool ends_only = (options & (kEsearchMin | kEsearchMax)) != 0 &&
                         (options & (kEsearchAll | kEsearchCount)) == 0;
  if (ends_only && !ordered_uids.empty()) {
    std::vector<std::uint32_t> ends;
    if (options & kEsearchMin) ends.push_back(ordered_uids.front());
    if (options & kEsearchMax) ends.push_back(ordered_uids.back());
    ordered_uids = std::move(ends);
  }
  std::sort(ordered_uids.begin(), ordered_uids.end());
  ordered_uids.erase(std::unique(ordered_uids.begin(), ordered_uids.end()), ordered_uids.end());
  return ordered_uids;
}

std::vector<std::uint32_t> extend_sort(const std::vector<const SortMessage*>& msgs,
                                       const std::vector<SortCriterion>& criteria,
                                       const std::vector<std::uint32_t>& known) {
  const size_t m = known.size();
  std::vector<const SortMessage*> later(msgs.begin() + static_cast<std::ptrdiff_t>(m), msgs.end());
  std::vector<std::uint32_t> added;
  added.reserve(later.size());
  for (size_t i : sort_messages(later, criteria))
    added.push_back(static_cast<std::uint32_t>(m + i));
  // The whole order of sort_messages: key by key (REVERSE flips one), then sequence number.
  auto less = [&](std::uint32_t x, std::uint32_t y) {
    const SortMessage& a = *msgs[x];
    const SortMessage& b = *msgs[y];
    for (const SortCriterion& c : criteria) {
      int r = 0;
      if (const std::string* ta = text_key(a, c.key)) {
        int v = ta->compare(*text_key(b, c.key));
        r = v < 0 ? -1 : (v > 0 ? 1 : 0);
      } else {
        auto num = [&](const SortMessage& s) {
          return c.key == SortKey::kArrival ? s.arrival
                 : c.key == SortKey::kDate  ? s.sent
                                            : static_cast<std::int64_t>(s.size);
        };
        r = num(a) < num(b) ? -1 : (num(b) < num(a) ? 1 : 0);
      }
      if (r != 0) return c.reverse ? r > 0 : r < 0;
    }
    return a.seq < b.seq;
  };
  std::vector<std::uint32_t> out(msgs.size());
  std::merge(known.begin(), known.end(), added.begin(), added.end(), out.begin(), less);
  return out;
}

void append_number(std::string& out, std::uint64_t n) {
  char buf[20];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

}  // namespace imap
