#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "maildir/flags.h"

using maildir::format_name;
using maildir::MessageFlags;
using maildir::parse_name;
using maildir::with_flags;

namespace {

MessageFlags flags(std::uint8_t system, std::string_view letters = {}) {
  MessageFlags f;
  f.system = system;
  for (char c : letters) f.keywords |= 1u << (c - 'a');
  return f;
}

struct Row {
  const char* name;
  const char* base;
  bool info_v2;
  std::uint8_t system;
  const char* keywords;
  const char* other;
  const char* tail;
  long long size;   // -1 = none
  long long vsize;  // -1 = none
};

}  // namespace

TEST_CASE("parse_name table: base, flags, keywords, unknown flags, tail, sizes") {
  using namespace maildir;
  const std::vector<Row> rows = {
      // Plain names.
      {"1035478339.27041_118.foo.org", "1035478339.27041_118.foo.org", false, 0, "", "", "", -1,
       -1},
      {"1035478339.27041_118.foo.org,S=1000,W=1030:2,S",
       "1035478339.27041_118.foo.org,S=1000,W=1030", true, kFlagSeen, "", "", "", 1000, 1030},
      // Empty flags.
      {"a.b.c:2,", "a.b.c", true, 0, "", "", "", -1, -1},
      // All system flags, out of order and duplicated.
      {"a.b.c:2,TSSRPFD", "a.b.c", true, kAllSystemFlags, "", "", "", -1, -1},
      // Keywords (Dovecot example: Seen + $NonJunk at index 1).
      {"x,S=4542,W=4642:2,Sb", "x,S=4542,W=4642", true, kFlagSeen, "b", "", "", 4542, 4642},
      {"x:2,zaFa", "x", true, kFlagFlagged, "az", "", "", -1, -1},
      // Unknown flag characters are kept (sorted, deduplicated).
      {"x:2,Z1S1", "x", true, kFlagSeen, "", "1Z", "", -1, -1},
      // Tail after ',' in the info is opaque.
      {"x:2,RS,Xfoo=bar,S", "x", true, kFlagReplied | kFlagSeen, "", "", ",Xfoo=bar,S", -1, -1},
      // Version 1 info and malformed infos: no flags.
      {"x:1,experimental", "x", false, 0, "", "", "", -1, -1},
      {"x:2", "x", false, 0, "", "", "", -1, -1},
      {"x:", "x", false, 0, "", "", "", -1, -1},
      // ',' in the base with fields that are not sizes, bad sizes.
      {"123.M1P2.host,foo,S=12x,W=7:2,F", "123.M1P2.host,foo,S=12x,W=7", true, kFlagFlagged, "", "",
       "", -1, 7},
      {"h,S=,W=99999999999999999999999", "h,S=,W=99999999999999999999999", false, 0, "", "", "", -1,
       -1},
      // The first of each size field wins; a ':' later in the info does not move the base.
      {"h,S=5,S=6:2,S:2,T", "h,S=5,S=6", true, kFlagSeen, "", "2", ",T", 5, -1},
      {"", "", false, 0, "", "", "", -1, -1},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    ParsedName p = parse_name(r.name);
    CHECK(p.base == r.base);
    CHECK(p.info_v2 == r.info_v2);
    CHECK(int(p.flags.system) == int(r.system));
    CHECK(p.flags.keywords == flags(0, r.keywords).keywords);
    CHECK(p.other_flags == r.other);
    CHECK(p.tail == r.tail);
    CHECK(p.size.value_or(-1) == static_cast<std::uint64_t>(r.size));
    CHECK(p.vsize.value_or(-1) == static_cast<std::uint64_t>(r.vsize));
    CHECK(base_name(r.name) == r.base);
  }
}

TEST_CASE("format_name writes flags in ASCII order: system flags, then keyword letters") {
  using namespace maildir;
  CHECK(format_name("b", flags(kFlagSeen | kFlagDraft | kFlagTrashed, "cb")) == "b:2,DSTbc");
  CHECK(format_name("b", flags(0)) == "b:2,");
  CHECK(format_name("b", flags(kAllSystemFlags, "abcdefghijklmnopqrstuvwxyz")) ==
        "b:2,DFPRSTabcdefghijklmnopqrstuvwxyz");
  // Unknown flags merge into the order ('1' < 'D' < 'S' < 'Z' < 'a').
  CHECK(format_name("b", flags(kFlagSeen, "a"), "Z1", ",tail") == "b:2,1SZa,tail");
  // Characters that cannot stand in a flag part are not written.
  CHECK(format_name("b", flags(0), ",/:\n") == "b:2,");
  CHECK(flags_string(flags(kFlagReplied | kFlagFlagged)) == "FR");
}

TEST_CASE("with_flags keeps base, unknown flags and tail; replaces non-v2 info") {
  using namespace maildir;
  CHECK(with_flags("m,S=10,W=12:2,S", flags(kFlagSeen | kFlagReplied)) == "m,S=10,W=12:2,RS");
  CHECK(with_flags("m:2,SZ,opaque", flags(kFlagFlagged, "a")) == "m:2,FZa,opaque");
  CHECK(with_flags("m", flags(kFlagSeen)) == "m:2,S");
  CHECK(with_flags("m:1,old", flags(kFlagSeen)) == "m:2,S");
  CHECK(with_flags("m:2,Sab", flags(0)) == "m:2,");
}

TEST_CASE("parse then format round-trips every canonical name") {
  using namespace maildir;
  const char* names[] = {"1.M2P3.h,S=1,W=2:2,", "1.M2P3.h:2,DFPRSTaz", "x:2,S,tail", "y:2,1Za,t,u"};
  for (const char* n : names) {
    CAPTURE(n);
    ParsedName p = parse_name(n);
    CHECK(format_name(p.base, p.flags, p.other_flags, p.tail) == n);
  }
}

TEST_CASE("system flag letters map both ways") {
  using namespace maildir;
  CHECK(system_flag_letter(kFlagDraft) == 'D');
  CHECK(system_flag_letter(kFlagTrashed) == 'T');
  CHECK(system_flag_of('R') == kFlagReplied);
  CHECK(system_flag_of('a') == 0);
  CHECK(system_flag_of('s') == 0);
  MessageFlags f = flags(kFlagSeen, "c");
  CHECK(f.has(kFlagSeen));
  CHECK_FALSE(f.has(kFlagDraft));
  CHECK(f.has_keyword(2));
  CHECK_FALSE(f.has_keyword(26));
  CHECK_FALSE(f.has_keyword(-1));
}
