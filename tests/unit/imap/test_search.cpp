// SEARCH: the program parser (every RFC 3501 key, CHARSET, limits) and the matcher over
// in-memory messages (cheap keys never read the file, header keys read only the header,
// MIME/charset decoding, Japanese text in every encoding).
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

#include "imap/parser.h"
#include "imap/search_match.h"
#include "imap/search_program.h"
#include "maildir/flags.h"
#include "mime/charset.h"

namespace {

using imap::SearchKey;
using K = SearchKey::Kind;

struct Parsed {
  bool ok = false;
  imap::SearchProgram program;
  imap::SearchParseError error;
};

Parsed parse(const std::string& text) {
  imap::Command c;
  std::string err;
  imap::ParserLimits lim;
  REQUIRE(imap::parse_command("t SEARCH " + text + "\r\n", lim, c, err));
  Parsed p;
  p.ok = imap::parse_search_program(c.args, 0, p.program, p.error);
  return p;
}

// A message held in memory; counts reads past the header.
class StringAccess final : public imap::MessageAccess {
 public:
  explicit StringAccess(std::string data, std::int64_t date = 0)
      : data_(std::move(data)), date_(date) {}
  std::optional<std::uint64_t> size() override { return data_.size(); }
  std::optional<std::int64_t> internal_date() override { return date_; }
  bool has_keyword(std::string_view name) override { return keywords.count(std::string(name)); }
  bool read(std::uint64_t offset, size_t len, std::string& out) override {
    ++reads;
    max_offset = std::max<std::uint64_t>(max_offset, offset + len);
    out = offset < data_.size() ? data_.substr(offset, len) : "";
    return true;
  }
  std::map<std::string, bool> keywords;
  unsigned reads = 0;
  std::uint64_t max_offset = 0;

 private:
  std::string data_;
  std::int64_t date_;
};

bool match(const std::string& program, StringAccess& msg, imap::MessageFacts facts = {}) {
  Parsed p = parse(program);
  REQUIRE_MESSAGE(p.ok, p.error.message);
  imap::normalize_search_keys(p.program.root);
  if (facts.uid == 0) {
    facts.uid = facts.seq = facts.max_seq = facts.max_uid = 1;
  }
  imap::MessageMatcher m(facts, msg);
  return m.matches(p.program.root);
}

const std::string kPlain =
    "From: Alice Example <alice@example.com>\n"
    "To: bob@example.org\n"
    "Cc: carol@example.net\n"
    "Subject: Quarterly Report\n"
    "Date: Mon, 2 Jan 2023 23:30:00 -0500\n"
    "X-Tag: Blue\n"
    "\n"
    "The numbers look GOOD this quarter.\n";

}  // namespace

TEST_CASE("search program: every RFC 3501 key parses") {
  const char* programs[] = {"ALL",
                            "ANSWERED",
                            "BCC x",
                            "BEFORE 1-Feb-1994",
                            "BODY x",
                            "CC x",
                            "DELETED",
                            "DRAFT",
                            "FLAGGED",
                            "FROM \"a b\"",
                            "HEADER X-Foo bar",
                            "KEYWORD $Work",
                            "LARGER 100",
                            "NEW",
                            "NOT SEEN",
                            "OLD",
                            "ON 01-feb-1994",
                            "OR SEEN FLAGGED",
                            "RECENT",
                            "SEEN",
                            "SENTBEFORE \"1-Feb-1994\"",
                            "SENTON 1-Feb-1994",
                            "SENTSINCE 1-Feb-1994",
                            "SINCE 1-Feb-1994",
                            "SMALLER 5",
                            "SUBJECT {3}\r\nabc",
                            "TEXT x",
                            "TO x",
                            "UID 1:*",
                            "UNANSWERED",
                            "UNDELETED",
                            "UNDRAFT",
                            "UNFLAGGED",
                            "UNKEYWORD $Work",
                            "UNSEEN",
                            "1,3:5,7:*",
                            "(SEEN FLAGGED) (OR 1 2)",
                            "CHARSET UTF-8 SUBJECT x",
                            "charset us-ascii all"};
  for (const char* p : programs) {
    Parsed r = parse(p);
    CHECK_MESSAGE(r.ok, p, ": ", r.error.message);
  }
  Parsed r = parse("OR (SEEN FLAGGED) NOT UID 3 SUBJECT x");
  REQUIRE(r.ok);
  REQUIRE(r.program.root.children.size() == 2);
  CHECK(r.program.root.children[0].kind == K::kOr);
  CHECK(r.program.root.children[0].children[1].kind == K::kNot);
  CHECK(r.program.root.children[1].kind == K::kHeader);
}

TEST_CASE("search program: syntax errors and bad charsets") {
  const char* bad[] = {
      "FOO", "SUBJECT",    "LARGER x", "BEFORE 31-Feb-2020", "BEFORE 1-Foo-2020", "OR SEEN",
      "NOT", "()",         "UID x",    "HEADER \"\" x",      "CHARSET",           "KEYWORD",
      "0:3", "ON 1-Jan-99"};
  for (const char* p : bad) {
    Parsed r = parse(p);
    CHECK_MESSAGE(!r.ok, p);
    CHECK(r.error.kind == imap::SearchParseError::Kind::kSyntax);
  }
  Parsed r = parse("CHARSET X-NO-SUCH ALL");
  CHECK(!r.ok);
  CHECK(r.error.kind == imap::SearchParseError::Kind::kBadCharset);
  CHECK(imap::search_charsets().find("ISO-2022-JP") != std::string_view::npos);
}

TEST_CASE("search program: depth and size are bounded") {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "NOT ";
  deep += "SEEN";
  Parsed r = parse(deep);
  CHECK(!r.ok);
  CHECK(r.error.kind == imap::SearchParseError::Kind::kSyntax);
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "SEEN ";
  many.pop_back();
  r = parse(many);
  CHECK(!r.ok);
  std::string ok;
  for (int i = 0; i < 40; ++i) ok += "NOT ";
  CHECK(parse(ok + "SEEN").ok);
}

TEST_CASE("search program: CHARSET ISO-2022-JP strings become UTF-8") {
  auto jis = mime::from_utf8("ISO-2022-JP", "報告");
  REQUIRE(jis);
  imap::Command c;
  std::string err;
  std::string raw = "t SEARCH CHARSET ISO-2022-JP SUBJECT {" + std::to_string(jis->size()) +
                    "}\r\n" + *jis + "\r\n";
  REQUIRE(imap::parse_command(raw, {}, c, err));
  imap::SearchProgram p;
  imap::SearchParseError e;
  REQUIRE(imap::parse_search_program(c.args, 0, p, e));
  REQUIRE(p.root.children.size() == 1);
  CHECK(p.root.children[0].text == "報告");
  CHECK(p.charset == "ISO-2022-JP");
}

TEST_CASE("search dates: RFC 3501 dates and RFC 5322 Date fields") {
  std::int64_t d = 0;
  REQUIRE(imap::parse_search_date("1-Jan-1970", d));
  CHECK(d == 0);
  REQUIRE(imap::parse_search_date("29-Feb-2024", d));
  CHECK(d == imap::days_from_civil(2024, 2, 29));
  CHECK(!imap::parse_search_date("29-Feb-2023", d));
  CHECK(imap::sent_day("Mon, 2 Jan 2023 23:30:00 -0500") == imap::days_from_civil(2023, 1, 2));
  CHECK(imap::sent_day("2 Jan 23 01:00 +0900") == imap::days_from_civil(2023, 1, 2));
  CHECK(imap::sent_day("Tue, 31 Dec 1999 12:00:00 GMT (UTC)") ==
        imap::days_from_civil(1999, 12, 31));
  CHECK(!imap::sent_day("yesterday"));
  CHECK(!imap::sent_day(""));
}

TEST_CASE("search match: cheap keys never open the message") {
  StringAccess msg(kPlain, 1700000000);
  imap::MessageFacts f;
  f.seq = 2;
  f.uid = 7;
  f.max_seq = 3;
  f.max_uid = 9;
  f.flags = maildir::kFlagSeen | maildir::kFlagFlagged;
  f.recent = true;
  msg.keywords["$Work"] = true;
  const char* yes[] = {"ALL",
                       "SEEN",
                       "FLAGGED",
                       "UNANSWERED",
                       "UNDELETED",
                       "RECENT",
                       "NOT NEW",
                       "2",
                       "UID 7",
                       "UID 5:*",
                       "1:2",
                       "KEYWORD $Work",
                       "UNKEYWORD x",
                       "LARGER 10",
                       "SMALLER 100000",
                       "OR DRAFT SEEN",
                       "SINCE 1-Nov-2023",
                       "BEFORE 1-Jan-2024",
                       "NOT OLD",
                       "*:2"};
  for (const char* p : yes) CHECK_MESSAGE(match(p, msg, f), p);
  const char* no[] = {"UNSEEN",     "DRAFT",         "3",        "UID 8", "KEYWORD x",
                      "SMALLER 10", "ON 1-Jan-2000", "NOT SEEN", "OLD",   "SEEN NOT FLAGGED"};
  for (const char* p : no) CHECK_MESSAGE(!match(p, msg, f), p);
  CHECK(msg.reads == 0);
  // A cheap key that decides the AND spares the file even with text keys present.
  CHECK(!match("DRAFT BODY numbers", msg, f));
  CHECK(msg.reads == 0);
}

TEST_CASE("search match: header keys read only the header") {
  std::string big = kPlain + std::string(5 * 1024 * 1024, 'x') + "\n";
  StringAccess msg(big);
  CHECK(match("SUBJECT quarterly", msg));
  CHECK(match("FROM \"alice example\"", msg));
  CHECK(match("TO BOB@example", msg));
  CHECK(match("CC carol", msg));
  CHECK(!match("BCC carol", msg));
  CHECK(match("HEADER x-tag blue", msg));
  CHECK(match("HEADER X-Tag \"\"", msg));
  CHECK(!match("HEADER X-Other \"\"", msg));
  CHECK(match("SENTON 2-Jan-2023", msg));
  CHECK(match("SENTBEFORE 3-Jan-2023 SENTSINCE 2-Jan-2023", msg));
  CHECK(match("TEXT quarterly", msg));
  CHECK(msg.max_offset <= imap::kSearchChunk);
  // BODY streams the rest in chunks.
  CHECK(match("BODY good", msg));
  CHECK(!match("BODY absent-word", msg));
}

TEST_CASE("search match: no Date header counts as 1970") {
  StringAccess msg("Subject: x\n\nbody\n");
  CHECK(match("SENTBEFORE 1-Jan-2000", msg));
  CHECK(!match("SENTSINCE 1-Jan-2000", msg));
}

TEST_CASE("search match: MIME parts, transfer encodings and charsets") {
  std::string m =
      "Subject: =?ISO-2022-JP?B?GyRCSnM5cCVsJV0hPCVIGyhC?=\n"  // 報告レポート
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\n"
      "\n"
      "preamble secret\n"
      "--b\n"
      "Content-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Caf=E9 cr=E8me soft=\n"
      "break\n"
      "--b\n"
      "Content-Type: application/octet-stream\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "aGlkZGVuIGJpbmFyeSB3b3Jk\n"  // "hidden binary word"
      "--b\n"
      "Content-Type: text/html; charset=utf-8\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "PHA+5pel5pys6Kqe44Gu5pys5paHPC9wPgo=\n"  // <p>日本語の本文</p>
      "--b--\n";
  StringAccess msg(m);
  CHECK(match("SUBJECT \"報告\"", msg));
  CHECK(match("SUBJECT \"レポート\"", msg));
  CHECK(match("BODY \"café\"", msg));
  CHECK(match("BODY \"CAFÉ\"", msg));
  CHECK(match("BODY softbreak", msg));
  CHECK(match("BODY \"日本語\"", msg));
  CHECK(match("TEXT \"本文\"", msg));
  CHECK(!match("BODY hidden", msg));
  CHECK(!match("BODY secret", msg));
  CHECK(!match("BODY \"報告\"", msg));
  CHECK(match("TEXT \"報告\"", msg));
}

TEST_CASE("search match: a Japanese word is found in every encoding") {
  const std::string word = "会議室";
  const std::string text = "明日の会議室は３階です。\n";
  for (const char* cs : {"ISO-2022-JP", "Shift_JIS", "EUC-JP", "UTF-8"}) {
    auto body = mime::from_utf8(cs, text);
    REQUIRE(body);
    std::string m =
        std::string("Subject: test\nContent-Type: text/plain; charset=") + cs + "\n\n" + *body;
    StringAccess msg(m);
    CHECK_MESSAGE(match("BODY \"" + word + "\"", msg), cs);
    CHECK_MESSAGE(match("BODY \"3階\"", msg), cs);  // full-width digit in the text
    CHECK_MESSAGE(!match("BODY \"会議録\"", msg), cs);
  }
  // Half-width katakana in the text match the full-width key.
  StringAccess hw("Subject: x\nContent-Type: text/plain; charset=utf-8\n\nｶﾞｲﾄﾞ\n");
  CHECK(match("BODY \"ガイド\"", hw));
}

TEST_CASE("search match: a key across chunk boundaries is found") {
  std::string body(imap::kSearchChunk - 20, 'a');
  body += "\nneedle in the haystack\n";
  body += std::string(imap::kSearchChunk, 'b') + "\n";
  StringAccess msg("Subject: x\n\n" + body);
  CHECK(match("BODY \"needle in the haystack\"", msg));
  CHECK(!match("BODY \"needle in a haystack\"", msg));
}

namespace {

// StringAccess plus a header cache slot (as FileAccess over tegami-cache.search).
class CachingAccess final : public imap::MessageAccess {
 public:
  explicit CachingAccess(std::string data) : inner_(std::move(data)) {}
  std::optional<std::uint64_t> size() override { return inner_.size(); }
  std::optional<std::int64_t> internal_date() override { return inner_.internal_date(); }
  bool has_keyword(std::string_view name) override { return inner_.has_keyword(name); }
  bool read(std::uint64_t offset, size_t len, std::string& out) override {
    return inner_.read(offset, len, out);
  }
  bool cached_header(imap::CachedSearchHeader& out) override {
    return !blob.empty() && imap::decode_search_header(blob, out);
  }
  void store_header(const imap::CachedSearchHeader& h) override {
    blob = imap::encode_search_header(h);
  }
  unsigned reads() const { return inner_.reads; }
  std::string blob;

 private:
  StringAccess inner_;
};

bool match_cached(const std::string& program, CachingAccess& msg) {
  Parsed p = parse(program);
  REQUIRE_MESSAGE(p.ok, p.error.message);
  imap::normalize_search_keys(p.program.root);
  REQUIRE(imap::header_cache_suffices(p.program.root));
  imap::MessageFacts facts;
  facts.uid = facts.seq = facts.max_seq = facts.max_uid = 1;
  imap::MessageMatcher m(facts, msg);
  m.use_header_cache();
  return m.matches(p.program.root);
}

}  // namespace

TEST_CASE("search match: the header cache answers SUBJECT/FROM/TO/CC/BCC/SENT* alike") {
  const std::string m =
      "Subject: =?UTF-8?B?5Lya6K2w?= room\nSubject: second\nFrom: Alice <alice@example.com>\n"
      "To: bob@example.org\nBcc: hidden@example.net\nDate: Mon, 2 Jan 2023 23:30:00 -0500\n"
      "X-Tag: Blue\n\nbody text\n";
  CachingAccess msg(m);
  CHECK(match_cached("CHARSET UTF-8 SUBJECT {6}\r\n会議", msg));  // the first read fills the cache
  REQUIRE(!msg.blob.empty());
  const unsigned reads = msg.reads();
  // Every answer again, now from the cache alone, equal to what the header gives.
  const char* programs[] = {"CHARSET UTF-8 SUBJECT {6}\r\n会議",
                            "SUBJECT second",
                            "SUBJECT absent",
                            "FROM alice",
                            "TO bob",
                            "CC bob",
                            "BCC hidden",
                            "HEADER Subject \"\"",
                            "HEADER CC \"\"",
                            "SENTON 2-Jan-2023",
                            "SENTBEFORE 2-Jan-2023",
                            "OR FROM x TO bob"};
  for (const char* p : programs) {
    CAPTURE(p);
    StringAccess plain(m);
    CHECK(match_cached(p, msg) == match(p, plain));
  }
  CHECK(msg.reads() == reads);
  // Programs that need other fields or the body do not use it.
  for (const char* p : {"HEADER X-Tag blue", "TEXT body", "BODY body", "NOT TEXT x"}) {
    Parsed q = parse(p);
    REQUIRE(q.ok);
    CHECK_FALSE(imap::header_cache_suffices(q.program.root));
  }
}

TEST_CASE("tegami-cache.search blobs: round trip, and anything else refused") {
  imap::CachedSearchHeader h;
  h.sent_day = -5;
  h.fields = {{"SUBJECT", "会議 room"}, {"FROM", std::string("a\0b", 3)}, {"TO", ""}};
  std::string blob = imap::encode_search_header(h);
  imap::CachedSearchHeader back;
  REQUIRE(imap::decode_search_header(blob, back));
  CHECK(back.sent_day == h.sent_day);
  CHECK(back.fields == h.fields);
  imap::CachedSearchHeader none;
  REQUIRE(imap::decode_search_header(imap::encode_search_header(none), back));
  CHECK(!back.sent_day);
  CHECK(back.fields.empty());

  imap::CachedSearchHeader untouched;
  untouched.sent_day = 7;
  CHECK_FALSE(imap::decode_search_header("", untouched));
  CHECK_FALSE(imap::decode_search_header(std::string("\x02") + blob.substr(1), untouched));
  CHECK_FALSE(imap::decode_search_header(blob.substr(0, blob.size() - 1), untouched));
  CHECK_FALSE(imap::decode_search_header(blob + "x", untouched));
  std::string many = blob;
  many[10] = '\xff';  // a field count far beyond the bytes
  many[13] = '\x7f';
  CHECK_FALSE(imap::decode_search_header(many, untouched));
  // "No day" with day bytes set (found by fuzz_imap_search): one encoding per header only.
  std::string stray = imap::encode_search_header(none);
  stray[2] = '\x40';
  CHECK_FALSE(imap::decode_search_header(stray, untouched));
  CHECK(untouched.sent_day == 7);
}
