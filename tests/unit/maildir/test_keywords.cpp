#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "maildir/keywords.h"
#include "maildir/uidlist.h"
#include "temp_dir.h"

using maildir::Code;
using maildir::Keywords;
using maildir::UidList;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spew(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

}  // namespace

TEST_CASE("validate_keyword accepts IMAP atoms and refuses the rest") {
  using maildir::validate_keyword;
  for (const char* ok : {"$Junk", "$NonJunk", "$Forwarded", "work", "a.b-c_d", "~x", "[tag"}) {
    CAPTURE(ok);
    CHECK(validate_keyword(ok).ok());
  }
  for (const char* bad : {"", "two words", "\\Seen", "a\\b", "par(en", "br{ace", "per%cent",
                          "st*ar", "quo\"te", "brack]et", "tab\tx", "nl\nx", "\xe6\x97\xa5"}) {
    CAPTURE(bad);
    CHECK(validate_keyword(bad).code() == Code::kInvalidArgument);
  }
  CHECK(validate_keyword(std::string(maildir::kMaxKeywordLength, 'k')).ok());
  CHECK_FALSE(validate_keyword(std::string(maildir::kMaxKeywordLength + 1, 'k')).ok());
}

TEST_CASE("parse reads Dovecot's dovecot-keywords and skips broken lines") {
  Keywords k = Keywords::parse("0 $Junk\n1 $NonJunk\nnonsense\n26 toobig\n-1 neg\n3 \n4 work\n");
  CHECK(k.name(0) == "$Junk");
  CHECK(k.name(1) == "$NonJunk");
  CHECK_FALSE(k.name(2).has_value());
  CHECK_FALSE(k.name(3).has_value());
  CHECK(k.name(4) == "work");
  CHECK(k.count() == 3);
  CHECK(k.serialize() == "0 $Junk\n1 $NonJunk\n4 work\n");
  // Case-insensitive lookup, original spelling kept.
  CHECK(k.find("$junk") == 0);
  CHECK(k.find("WORK") == 4);
  CHECK_FALSE(k.find("other").has_value());
}

TEST_CASE("a name that is not a valid keyword keeps its letter reserved and is written back") {
  Keywords k = Keywords::parse("0 has space\n1 ok\n2 OK\n");
  CHECK_FALSE(k.name(0).has_value());  // never shown to IMAP clients
  CHECK(k.name(1) == "ok");
  CHECK_FALSE(k.name(2).has_value());  // second index for the same (case-insensitive) name
  auto idx = k.assign("new");
  REQUIRE(idx.ok());
  CHECK(*idx == 3);  // 0 and 2 are not reused
  CHECK(k.serialize() == "0 has space\n1 ok\n2 OK\n3 new\n");
}

TEST_CASE("assign gives the lowest free index and the 27th keyword gets kLimit") {
  Keywords k = Keywords::parse("0 a0\n2 a2\n");
  auto first = k.assign("x");
  REQUIRE(first.ok());
  CHECK(*first == 1);
  CHECK(k.dirty());
  auto again = k.assign("X");  // same keyword, other case
  REQUIRE(again.ok());
  CHECK(*again == 1);
  for (int i = 3; i < 26; ++i) {
    auto r = k.assign("kw" + std::to_string(i));
    REQUIRE(r.ok());
    CHECK(*r == i);
  }
  CHECK(k.count() == 26);
  auto full = k.assign("one-too-many");
  CHECK(full.status().code() == Code::kLimit);
  CHECK(full.status().message().find("26") != std::string::npos);
  CHECK(k.assign("bad word").status().code() == Code::kInvalidArgument);
  // Masks map names and letters both ways.
  std::vector<std::string> missing;
  CHECK(k.mask_of({"a0", "x", "nope"}, &missing) == 0b11u);
  CHECK(missing == std::vector<std::string>{"nope"});
  CHECK(k.names_of(0b101u) == std::vector<std::string>{"a0", "a2"});
}

TEST_CASE("save needs the folder's uidlist lock, writes by rename, and load reads it back") {
  TempDir dir;
  auto k = Keywords::load(dir.path());
  REQUIRE(k.ok());
  CHECK(k->count() == 0);
  REQUIRE(k->assign("$Junk").ok());
  REQUIRE(k->assign("$NonJunk").ok());

  // Without a lock of this directory: refused, nothing written.
  TempDir other;
  auto other_list = UidList::load(other.path());
  REQUIRE(other_list.ok());
  auto other_lock = other_list->lock();
  REQUIRE(other_lock.ok());
  CHECK(k->save(*other_lock).code() == Code::kInvalidArgument);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/dovecot-keywords"));

  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  auto lock = list->lock();
  REQUIRE(lock.ok());
  REQUIRE(k->save(*lock).ok());
  CHECK_FALSE(k->dirty());
  CHECK(slurp(dir.path() + "/dovecot-keywords") == "0 $Junk\n1 $NonJunk\n");
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/dovecot-keywords.tmp"));

  auto again = Keywords::load(dir.path());
  REQUIRE(again.ok());
  CHECK(again->find("$nonjunk") == 1);

  // A second save moves the mtime forward by at least a second (Dovecot compares seconds).
  struct stat before, after;
  REQUIRE(stat((dir.path() + "/dovecot-keywords").c_str(), &before) == 0);
  REQUIRE(k->assign("third").ok());
  REQUIRE(k->save(*lock).ok());
  REQUIRE(stat((dir.path() + "/dovecot-keywords").c_str(), &after) == 0);
  CHECK(after.st_mtime > before.st_mtime);

  // The other object notices the change cheaply and re-reads.
  auto changed = again->refresh();
  REQUIRE(changed.ok());
  CHECK(*changed);
  CHECK(again->find("third") == 2);
  auto unchanged = again->refresh();
  REQUIRE(unchanged.ok());
  CHECK_FALSE(*unchanged);
}

TEST_CASE("save refuses to overwrite a file changed since it was read") {
  TempDir dir;
  auto a = Keywords::load(dir.path());
  REQUIRE(a.ok());
  spew(dir.path() + "/dovecot-keywords", "0 theirs\n");
  REQUIRE(a->assign("mine").ok());
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  auto lock = list->lock();
  REQUIRE(lock.ok());
  CHECK(a->save(*lock).code() == Code::kInvalidArgument);
  CHECK(slurp(dir.path() + "/dovecot-keywords") == "0 theirs\n");
  // After refresh under the lock, assigning again is correct and saves.
  auto r = a->refresh();
  REQUIRE(r.ok());
  CHECK(*r);
  auto idx = a->assign("mine");
  REQUIRE(idx.ok());
  CHECK(*idx == 1);
  REQUIRE(a->save(*lock).ok());
  CHECK(slurp(dir.path() + "/dovecot-keywords") == "0 theirs\n1 mine\n");
}
