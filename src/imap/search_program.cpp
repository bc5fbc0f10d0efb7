#include "imap/search_program.h"

#include <optional>

#include "maildir/flags.h"
#include "mime/charset.h"
#include "mime/structure.h"

namespace imap {

namespace {

// What one parse needs besides the arguments: the charset and the key budget.
struct Context {
  std::string charset;
  bool convert = false;  // charset is neither UTF-8 nor US-ASCII
  size_t keys = 0;
  SearchParseError* error = nullptr;

  bool fail(std::string why) {
    if (error->kind == SearchParseError::Kind::kNone) {
      error->kind = SearchParseError::Kind::kSyntax;
      error->message = std::move(why);
    }
    return false;
  }
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

bool parse_number(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

// A string argument (astring) in UTF-8.
bool take_string(const std::vector<Arg>& a, size_t& i, Context& ctx, std::string& out) {
  if (i >= a.size() || !a[i].is_astring()) return ctx.fail("missing string argument");
  const std::string& raw = a[i++].text;
  if (raw.size() > kMaxSearchText) return ctx.fail("search string too long");
  if (!ctx.convert) {
    out = raw;
    return true;
  }
  auto converted = mime::to_utf8(ctx.charset, raw);
  if (!converted) return ctx.fail("cannot convert search string");
  out = std::move(*converted);
  return true;
}

bool take_atom(const std::vector<Arg>& a, size_t& i, Context& ctx, std::string& out) {
  if (i >= a.size() || a[i].kind != Arg::Kind::kAtom) return ctx.fail("missing argument");
  out = a[i++].text;
  return true;
}

bool take_date(const std::vector<Arg>& a, size_t& i, Context& ctx, std::int64_t& out) {
  if (i >= a.size() || (a[i].kind != Arg::Kind::kAtom && a[i].kind != Arg::Kind::kQuoted))
    return ctx.fail("missing date");
  if (!parse_search_date(a[i].text, out)) return ctx.fail("invalid date");
  ++i;
  return true;
}

struct Simple {
  std::string_view name;
  SearchKey::Kind kind;
  std::uint8_t flag;
  bool negate;
};

// Keys without arguments.
constexpr Simple kSimple[] = {
    {"ANSWERED", SearchKey::Kind::kFlag, maildir::kFlagReplied, false},
    {"DELETED", SearchKey::Kind::kFlag, maildir::kFlagTrashed, false},
    {"DRAFT", SearchKey::Kind::kFlag, maildir::kFlagDraft, false},
    {"FLAGGED", SearchKey::Kind::kFlag, maildir::kFlagFlagged, false},
    {"SEEN", SearchKey::Kind::kFlag, maildir::kFlagSeen, false},
    {"UNANSWERED", SearchKey::Kind::kFlag, maildir::kFlagReplied, true},
    {"UNDELETED", SearchKey::Kind::kFlag, maildir::kFlagTrashed, true},
    {"UNDRAFT", SearchKey::Kind::kFlag, maildir::kFlagDraft, true},
    {"UNFLAGGED", SearchKey::Kind::kFlag, maildir::kFlagFlagged, true},
    {"UNSEEN", SearchKey::Kind::kFlag, maildir::kFlagSeen, true},
    {"RECENT", SearchKey::Kind::kRecent, 0, false},
    {"OLD", SearchKey::Kind::kRecent, 0, true},
};

SearchKey negated(SearchKey k) {
  SearchKey n;
  n.kind = SearchKey::Kind::kNot;
  n.children.push_back(std::move(k));
  return n;
}

bool parse_key(const std::vector<Arg>& a, size_t& i, size_t depth, Context& ctx, SearchKey& out);

// Keys until the end of `a`, ANDed into `out` (a kAnd).
bool parse_keys(const std::vector<Arg>& a, size_t depth, Context& ctx, SearchKey& out) {
  out.kind = SearchKey::Kind::kAnd;
  size_t i = 0;
  if (a.empty()) return ctx.fail("empty search key list");
  while (i < a.size()) {
    SearchKey k;
    if (!parse_key(a, i, depth, ctx, k)) return false;
    out.children.push_back(std::move(k));
  }
  return true;
}

bool parse_key(const std::vector<Arg>& a, size_t& i, size_t depth, Context& ctx, SearchKey& out) {
  if (depth > kMaxSearchDepth) return ctx.fail("search program nested too deeply");
  if (++ctx.keys > kMaxSearchKeys) return ctx.fail("search program too long");
  if (i >= a.size()) return ctx.fail("missing search key");
  const Arg& arg = a[i];
  if (arg.kind == Arg::Kind::kList) {
    ++i;
    return parse_keys(arg.children, depth + 1, ctx, out);
  }
  if (arg.kind != Arg::Kind::kAtom) return ctx.fail("search key expected");
  ++i;
  std::string name = upper(arg.text);
  using K = SearchKey::Kind;
  for (const Simple& s : kSimple) {
    if (name != s.name) continue;
    out.kind = s.kind;
    out.flag = s.flag;
    if (s.negate) out = negated(std::move(out));
    return true;
  }
  if (name == "ALL") {
    out.kind = K::kAnd;
    return true;
  }
  if (name == "NEW") {  // RECENT UNSEEN
    out.kind = K::kAnd;
    SearchKey recent;
    recent.kind = K::kRecent;
    SearchKey seen;
    seen.kind = K::kFlag;
    seen.flag = maildir::kFlagSeen;
    out.children.push_back(std::move(recent));
    out.children.push_back(negated(std::move(seen)));
    return true;
  }
  if (name == "NOT") {
    out.kind = K::kNot;
    out.children.emplace_back();
    return parse_key(a, i, depth + 1, ctx, out.children.back());
  }
  if (name == "OR") {
    out.kind = K::kOr;
    out.children.resize(2);
    return parse_key(a, i, depth + 1, ctx, out.children[0]) &&
           parse_key(a, i, depth + 1, ctx, out.children[1]);
  }
  if (name == "KEYWORD" || name == "UNKEYWORD") {
    out.kind = K::kKeyword;
    if (!take_atom(a, i, ctx, out.text)) return false;
    if (name == "UNKEYWORD") out = negated(std::move(out));
    return true;
  }
  if (name == "LARGER" || name == "SMALLER") {
    out.kind = name == "LARGER" ? K::kLarger : K::kSmaller;
    std::string n;
    if (!take_atom(a, i, ctx, n)) return false;
    if (!parse_number(n, out.number)) return ctx.fail("invalid number");
    return true;
  }
  struct DateKey {
    std::string_view name;
    K kind;
  };
  static constexpr DateKey kDates[] = {
      {"BEFORE", K::kBefore},         {"ON", K::kOn},         {"SINCE", K::kSince},
      {"SENTBEFORE", K::kSentBefore}, {"SENTON", K::kSentOn}, {"SENTSINCE", K::kSentSince},
  };
  for (const DateKey& d : kDates) {
    if (name != d.name) continue;
    out.kind = d.kind;
    return take_date(a, i, ctx, out.day);
  }
  if (name == "FROM" || name == "TO" || name == "CC" || name == "BCC") {
    out.kind = K::kAddress;
    out.field = name;
    return take_string(a, i, ctx, out.text);
  }
  if (name == "SUBJECT") {
    out.kind = K::kHeader;
    out.field = "SUBJECT";
    return take_string(a, i, ctx, out.text);
  }
  if (name == "HEADER") {
    out.kind = K::kHeader;
    if (!take_string(a, i, ctx, out.field)) return false;
    if (out.field.empty()) return ctx.fail("empty header name");
    for (char c : out.field) {
      if (static_cast<unsigned char>(c) <= ' ' || c == ':' || static_cast<unsigned char>(c) >= 127)
        return ctx.fail("invalid header name");
    }
    return take_string(a, i, ctx, out.text);
  }
  if (name == "BODY" || name == "TEXT") {
    out.kind = name == "BODY" ? K::kBody : K::kText;
    return take_string(a, i, ctx, out.text);
  }
  if (name == "OLDER" || name == "YOUNGER") {
    // RFC 5032: an interval in seconds, nz-number.
    out.kind = name == "OLDER" ? K::kOlder : K::kYounger;
    std::string n;
    if (!take_atom(a, i, ctx, n)) return false;
    if (!parse_number(n, out.number) || out.number == 0 || out.number > UINT32_MAX)
      return ctx.fail("invalid search interval");
    return true;
  }
  if (arg.text == "$") {  // RFC 5182: the saved result
    out.kind = K::kSaved;
    return true;
  }
  if (name == "MODSEQ") {
    // RFC 7162 3.1.5: MODSEQ [<entry-name> <entry-type-req>] <mod-sequence-valzer>.
    out.kind = K::kModseq;
    if (i < a.size() && a[i].is_string()) {
      std::string entry, type;
      if (!take_string(a, i, ctx, entry) || !take_atom(a, i, ctx, type)) return false;
      if (!mime::iequals(type, "priv") && !mime::iequals(type, "shared") &&
          !mime::iequals(type, "all"))
        return ctx.fail("invalid MODSEQ entry type");
    }
    std::string n;
    if (!take_atom(a, i, ctx, n)) return false;
    if (n.empty() || n.size() > 19 || n.find_first_not_of("0123456789") != std::string::npos)
      return ctx.fail("invalid MODSEQ value");
    out.number = std::stoull(n);
    if (out.number >= (1ull << 63)) return ctx.fail("invalid MODSEQ value");
    return true;
  }
  if (name == "UID") {
    out.kind = K::kUid;
    std::string s;
    if (!take_atom(a, i, ctx, s)) return false;
    if (s == "$") {
      out.kind = K::kSaved;
      return true;
    }
    auto set = parse_sequence_set(s);
    if (!set) return ctx.fail("invalid UID set");
    out.set = std::move(*set);
    return true;
  }
  if (auto set = parse_sequence_set(arg.text)) {
    out.kind = K::kSequence;
    out.set = std::move(*set);
    return true;
  }
  return ctx.fail("unknown search key " + std::string(arg.text.substr(0, 64)));
}

bool is_plain_charset(std::string_view c) {
  return mime::iequals(c, "UTF-8") || mime::iequals(c, "US-ASCII") || mime::iequals(c, "UTF8") ||
         mime::iequals(c, "ASCII");
}

}  // namespace

std::string_view search_charsets() {
  return "UTF-8 US-ASCII ISO-2022-JP SHIFT_JIS EUC-JP ISO-8859-1 WINDOWS-1252";
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool parse_search_date(std::string_view t, std::int64_t& days) {
  static constexpr std::string_view kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  size_t dash = t.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 2) return false;
  unsigned day = 0;
  for (size_t k = 0; k < dash; ++k) {
    if (t[k] < '0' || t[k] > '9') return false;
    day = day * 10 + static_cast<unsigned>(t[k] - '0');
  }
  if (t.size() != dash + 1 + 3 + 1 + 4 || t[dash + 4] != '-') return false;
  std::string mon = upper(t.substr(dash + 1, 3));
  unsigned month = 0;
  for (unsigned k = 0; k < 12; ++k) {
    if (mon == kMonths[k]) month = k + 1;
  }
  if (month == 0) return false;
  unsigned year = 0;
  for (char c : t.substr(dash + 5)) {
    if (c < '0' || c > '9') return false;
    year = year * 10 + static_cast<unsigned>(c - '0');
  }
  static constexpr unsigned kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1900 || day == 0 || day > kMonthDays[month - 1]) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  days = days_from_civil(year, month, day);
  return true;
}

bool parse_search_program(const std::vector<Arg>& args, size_t first, SearchProgram& out,
                          SearchParseError& error) {
  error = {};
  Context ctx;
  ctx.error = &error;
  size_t i = first;
  if (i < args.size() && args[i].kind == Arg::Kind::kAtom && upper(args[i].text) == "CHARSET") {
    ++i;
    if (i >= args.size() || !args[i].is_astring()) return ctx.fail("missing charset");
    ctx.charset = args[i++].text;
    if (!is_plain_charset(ctx.charset)) {
      if (!mime::charset_known(ctx.charset)) {
        error.kind = SearchParseError::Kind::kBadCharset;
        error.message = "Unknown charset";
        return false;
      }
      ctx.convert = true;
    }
  }
  out.charset = ctx.charset;
  std::vector<Arg> rest(args.begin() + static_cast<std::ptrdiff_t>(std::min(i, args.size())),
                        args.end());
  return parse_keys(rest, 0, ctx, out.root);
}

bool uses_modseq(const SearchKey& key) {
  if (key.kind == SearchKey::Kind::kModseq) return true;
  for (const SearchKey& c : key.children) {
    if (uses_modseq(c)) return true;
  }
  return false;
}

}  // namespace imap
