// SEARCHRES (RFC 5182) and WITHIN (RFC 5032): `$` and OLDER/YOUNGER in search programs, what
// SAVE keeps, `$` as a command's sequence set, and the normalized SequenceSet lookup.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "imap/esearch.h"
#include "imap/parser.h"
#include "imap/search_match.h"
#include "imap/search_program.h"
#include "imap/search_result.h"
#include "imap/selected_box.h"
#include "imap/sequence_set.h"
#include "maildir/mailbox.h"
#include "temp_dir.h"

namespace {

using K = imap::SearchKey::Kind;

imap::SearchProgram parse_ok(const std::string& text) {
  imap::Command c;
  std::string err;
  REQUIRE(imap::parse_command("t SEARCH " + text + "\r\n", imap::ParserLimits{}, c, err));
  imap::SearchProgram p;
  imap::SearchParseError e;
  REQUIRE_MESSAGE(imap::parse_search_program(c.args, 0, p, e), e.message);
  return p;
}

bool parses(const std::string& text) {
  imap::Command c;
  std::string err;
  REQUIRE(imap::parse_command("t SEARCH " + text + "\r\n", imap::ParserLimits{}, c, err));
  imap::SearchProgram p;
  imap::SearchParseError e;
  return imap::parse_search_program(c.args, 0, p, e);
}

class DateAccess final : public imap::MessageAccess {
 public:
  explicit DateAccess(std::int64_t t) : t_(t) {}
  std::optional<std::uint64_t> size() override { return 10; }
  std::optional<std::int64_t> internal_date() override { return t_; }
  bool has_keyword(std::string_view) override { return false; }
  bool read(std::uint64_t, size_t, std::string& out) override {
    out.clear();
    return true;
  }

 private:
  std::int64_t t_;
};

bool matches(imap::SearchProgram p, std::uint32_t uid, std::int64_t date,
             const std::vector<std::uint32_t>& saved, std::int64_t now) {
  imap::bind_search_context(p.root, saved, now);
  imap::MessageFacts f;
  f.uid = uid;
  f.seq = uid;
  f.max_uid = f.max_seq = 100;
  DateAccess a(date);
  imap::MessageMatcher m(f, a);
  return m.matches(p.root);
}

imap::Arg atom(const std::string& text) {
  imap::Arg a;
  a.kind = imap::Arg::Kind::kAtom;
  a.text = text;
  return a;
}

}  // namespace

TEST_CASE("search program: $ and UID $ are the saved result") {
  auto p = parse_ok("$");
  REQUIRE(p.root.children.size() == 1);
  CHECK(p.root.children[0].kind == K::kSaved);
  p = parse_ok("UID $ SEEN");
  CHECK(p.root.children[0].kind == K::kSaved);
  const std::vector<std::uint32_t> saved{3, 7, 9};
  CHECK(matches(parse_ok("$"), 7, 0, saved, 0));
  CHECK_FALSE(matches(parse_ok("$"), 8, 0, saved, 0));
  CHECK(matches(parse_ok("NOT $"), 8, 0, saved, 0));
  CHECK_FALSE(matches(parse_ok("UID $"), 3, 0, {}, 0));  // empty: matches nothing
  CHECK_FALSE(parses("1,$"));
  CHECK_FALSE(parses("UID 1:$"));
}

TEST_CASE("search program: WITHIN's OLDER and YOUNGER (RFC 5032)") {
  const std::int64_t now = 1'700'000'000;
  CHECK(matches(parse_ok("OLDER 3600"), 1, now - 7200, {}, now));
  CHECK(matches(parse_ok("OLDER 3600"), 1, now - 3600, {}, now));  // boundary counts (Dovecot)
  CHECK_FALSE(matches(parse_ok("OLDER 3600"), 1, now - 60, {}, now));
  CHECK(matches(parse_ok("YOUNGER 3600"), 1, now - 60, {}, now));
  CHECK(matches(parse_ok("YOUNGER 3600"), 1, now - 3600, {}, now));
  CHECK_FALSE(matches(parse_ok("YOUNGER 3600"), 1, now - 7200, {}, now));
  CHECK(matches(parse_ok("OR OLDER 86400 YOUNGER 60"), 1, now - 10, {}, now));
  for (const char* bad : {"OLDER 0", "YOUNGER", "OLDER -5", "OLDER x", "YOUNGER 4294967296"}) {
    CHECK_MESSAGE(!parses(bad), bad);
  }
}

TEST_CASE("SAVE keeps MIN/MAX alone, else every match (RFC 5182 section 2.4)") {
  const std::vector<std::uint32_t> hits{2, 5, 9};
  using imap::saved_selection;
  CHECK(saved_selection(imap::kEsearchSave, hits) == hits);
  CHECK(saved_selection(imap::kEsearchSave | imap::kEsearchMin, hits) ==
        std::vector<std::uint32_t>{2});
  CHECK(saved_selection(imap::kEsearchSave | imap::kEsearchMax, hits) ==
        std::vector<std::uint32_t>{9});
  CHECK(saved_selection(imap::kEsearchSave | imap::kEsearchMin | imap::kEsearchMax, hits) ==
        std::vector<std::uint32_t>{2, 9});
  CHECK(saved_selection(imap::kEsearchSave | imap::kEsearchMin | imap::kEsearchCount, hits) ==
        hits);
  CHECK(saved_selection(imap::kEsearchSave | imap::kEsearchMin | imap::kEsearchMax,
                        std::vector<std::uint32_t>{4}) == std::vector<std::uint32_t>{4});
  CHECK(saved_selection(imap::kEsearchSave | imap::kEsearchMin, {}).empty());
}

TEST_CASE("normalized sequence sets: contains() agrees with the plain walk") {
  std::vector<std::uint32_t> v;
  for (std::uint32_t n = 1; n < 3000; n += (n % 7 == 0 ? 5 : 1)) v.push_back(n);
  imap::SequenceSet fast = imap::sequence_set_from(v);
  imap::SequenceSet slow = fast;
  slow.normalized = false;
  for (std::uint32_t n = 0; n < 3100; ++n) CHECK(fast.contains(n, 5000) == slow.contains(n, 5000));
  CHECK(imap::sequence_set_from({}).ranges.empty());
  CHECK_FALSE(imap::sequence_set_from({}).contains(1, 1));
}

TEST_CASE("$ as a command's sequence set") {
  TempDir tmp;
  for (const char* sub : {"/cur", "/new", "/tmp"})
    std::filesystem::create_directories(tmp.path() + sub);
  auto mb = maildir::Mailbox::open(tmp.path());
  REQUIRE(mb.ok());
  imap::SelectedBox box{std::move(*mb), {}, false, "INBOX"};
  box.client_uids = {10, 11, 15, 20};
  box.saved_result = {11, 12, 20};  // 12: expunged and reported, no longer known
  auto seqs = imap::sequence_set_arg(box, atom("$"), false);
  REQUIRE(seqs);
  CHECK(seqs->contains(2, 4));
  CHECK(seqs->contains(4, 4));
  CHECK_FALSE(seqs->contains(1, 4));
  CHECK_FALSE(seqs->contains(3, 4));
  auto uids = imap::sequence_set_arg(box, atom("$"), true);
  REQUIRE(uids);
  CHECK(uids->contains(12, 20));
  CHECK_FALSE(uids->contains(15, 20));
  CHECK(imap::sequence_set_arg(box, atom("2:*"), false));
  CHECK_FALSE(imap::sequence_set_arg(box, atom("1,$"), false));
  imap::Arg q;
  q.kind = imap::Arg::Kind::kQuoted;
  q.text = "$";
  CHECK_FALSE(imap::sequence_set_arg(box, q, false));
}
