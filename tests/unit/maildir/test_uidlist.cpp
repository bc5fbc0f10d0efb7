#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "maildir/uidlist.h"
#include "temp_dir.h"

using maildir::Code;
using maildir::parse_uidlist;
using maildir::UidList;
using maildir::UidRecord;
using maildir::UidRequest;

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

void append(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << content;
}

ino_t inode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

std::vector<std::uint32_t> uids_of(const UidList& l) {
  std::vector<std::uint32_t> out;
  for (const auto& r : l.records()) out.push_back(r.uid);
  return out;
}

// A list as Dovecot 2.3 writes it: extension fields, a POP3 UIDL format header field.
const char* kDovecotList =
    "3 V1700000000 N8 G0123456789abcdef0123456789abcdef Pxxx\n"
    "1 :1700000001.M1P1.host,S=100,W=104\n"
    "3 W2048 S2000 :1700000002.M2P1.host\n"
    "5 P0000004a6f0a0c8e O1 :1700000003.M3P1.host,S=5,W=6\n"
    "7 Gfeedfacefeedfacefeedfacefeedface Xfuture :1700000004.M4P1.host\n";

}  // namespace

TEST_CASE("parse reads Dovecot's version 3 list and formats it back byte for byte") {
  auto p = parse_uidlist(kDovecotList);
  REQUIRE(p.header_ok);
  CHECK_FALSE(p.needs_rewrite);
  CHECK(p.header.version == 3);
  CHECK(p.header.uid_validity == 1700000000u);
  CHECK(p.header.next_uid == 8u);
  CHECK(p.header.guid == "0123456789abcdef0123456789abcdef");
  CHECK(p.header.field('P') == "xxx");
  REQUIRE(p.records.size() == 4);
  CHECK(p.records[1].uid == 3u);
  CHECK(p.records[1].base == "1700000002.M2P1.host");
  CHECK(p.records[1].field('W') == "2048");
  CHECK(p.records[1].field('S') == "2000");
  CHECK(p.records[2].field('P') == "0000004a6f0a0c8e");
  CHECK(p.records[3].field('X') == "future");
  CHECK_FALSE(p.records[0].field('S').has_value());
  CHECK(p.consumed == std::string_view(kDovecotList).size());

  std::string out = maildir::format_uidlist_header(p.header);
  for (const auto& r : p.records) out += maildir::format_uidlist_record(r);
  CHECK(out == kDovecotList);
}

TEST_CASE("parse reads version 1 (courierimapuiddb style) lists") {
  auto p = parse_uidlist("1 1100000000 6\n1 1100000001.1.host:2,S\n4 1100000002.2.host\n");
  REQUIRE(p.header_ok);
  CHECK(p.header.version == 1);
  CHECK(p.header.uid_validity == 1100000000u);
  CHECK(p.header.next_uid == 6u);
  CHECK(p.header.guid.empty());
  CHECK(p.needs_rewrite);  // upgraded to version 3 on the next write
  REQUIRE(p.records.size() == 2);
  CHECK(p.records[0].base == "1100000001.1.host");  // compared on the base name
  CHECK(p.records[1].uid == 4u);
}

TEST_CASE("damaged record lines are skipped, the rest keep their UIDs") {
  std::string text =
      "3 V5 N3 G0123456789abcdef0123456789abcdef\n"
      "1 :good.one\n"
      "x :not-a-uid\n"
      "0 :zero-uid\n"
      "2 :dir/slash\n"
      "2 no-colon-name\n"
      "4:no-space\n"
      "\n"
      "2 :\n"
      "9 lower-case-field :name9\n"
      "8 :not-ascending\n"
      "99999999999 :overflow\n"
      "4294967295 :too-high\n" +
      std::string("12 :") + std::string(maildir::kMaxUidListLine, 'L') + "\n" + "20 :good.two\n" +
      "30 :damaged/high-uid\n";
  auto p = parse_uidlist(text);
  REQUIRE(p.header_ok);
  CHECK(p.needs_rewrite);
  REQUIRE(p.records.size() == 3);
  CHECK(p.records[0].base == "good.one");
  CHECK(p.records[1].uid == 9u);  // the invalid extension field is dropped, the record kept
  CHECK(p.records[1].base == "name9");
  CHECK(p.records[1].fields.empty());
  CHECK(p.records[2].uid == 20u);
  CHECK(p.skipped_lines == 11);
  // Never below the highest UID of any line: UID 30 may have been shown to a client.
  CHECK(p.header.next_uid == 31u);
}

TEST_CASE("unreadable headers make the list lost") {
  for (const char* bad : {"", "garbage\n", "3 N5 G0123456789abcdef0123456789abcdef\n",
                          "3 V5 G0123456789abcdef0123456789abcdef\n", "3 V0 N1\n", "3 Vx N1\n",
                          "2 1 1\n", "1 5\n", "3 V1 N1"}) {
    CAPTURE(bad);
    auto p = parse_uidlist(bad);
    CHECK_FALSE(p.header_ok);
    CHECK(p.records.empty());
  }
  // A bad GUID alone is repaired (new GUID on the next write), the list is kept.
  auto p = parse_uidlist("3 V1 N2 Gzz\n1 :a\n");
  CHECK(p.header_ok);
  CHECK(p.needs_rewrite);
  CHECK(p.header.guid.empty());
  CHECK(p.records.size() == 1);
}

TEST_CASE("a name listed twice keeps the later UID (as Dovecot)") {
  auto p = parse_uidlist("3 V1 N1 G0123456789abcdef0123456789abcdef\n1 :a\n2 :b\n3 :a\n");
  REQUIRE(p.records.size() == 2);
  CHECK(p.records[0].base == "b");
  CHECK(p.records[1].uid == 3u);
  CHECK(p.records[1].base == "a");
  CHECK(p.needs_rewrite);
}

TEST_CASE("every duplicate is merged, also after an earlier duplicate was removed") {
  // Regression (found by fuzz_uidlist): the second duplicate was missed once the first
  // removal had left the record array out of order.
  auto p = parse_uidlist(
      "3 V1 N1 G0123456789abcdef0123456789abcdef\n3 :x\n5 :six\n11 :m1\n22 :m1\n10005 :six\n");
  REQUIRE(p.records.size() == 3);
  CHECK(p.records[0].uid == 3u);
  CHECK(p.records[1].uid == 22u);
  CHECK(p.records[2].uid == 10005u);
  CHECK(p.records[2].base == "six");
}

TEST_CASE("a trailing line without newline is not consumed") {
  std::string text = "3 V1 N1 G0123456789abcdef0123456789abcdef\n1 :a\n2 :b";
  auto p = parse_uidlist(text);
  CHECK(p.records.size() == 1);
  CHECK(p.consumed == text.size() - 4);
}

TEST_CASE("a new list gets a time-based UIDVALIDITY, a random GUID and ascending UIDs") {
  TempDir dir;
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  CHECK_FALSE(list->exists());
  std::uint32_t before = static_cast<std::uint32_t>(std::time(nullptr));
  auto lock = list->lock();
  REQUIRE(lock.ok());
  std::vector<std::string> names = {"100.M1P1.h,S=10:2,S", "101.M2P1.h", "102.M3P1.h:2,"};
  auto uids = list->assign_uids(*lock, names);
  REQUIRE(uids.ok());
  CHECK(*uids == std::vector<std::uint32_t>{1, 2, 3});
  CHECK(list->exists());
  CHECK(list->uid_validity() >= before);
  CHECK(list->uid_validity() <= static_cast<std::uint32_t>(std::time(nullptr)));
  CHECK(list->next_uid() == 4u);

  std::string text = slurp(list->path());
  std::regex header("^3 V([0-9]+) N4 G([0-9a-f]{32})\n");
  std::smatch m;
  REQUIRE(std::regex_search(text, m, header));
  CHECK(m[1] == std::to_string(list->uid_validity()));
  CHECK(m[2] == list->guid());
  CHECK(text.substr(m[0].length()) == "1 :100.M1P1.h,S=10\n2 :101.M2P1.h\n3 :102.M3P1.h\n");

  // Names already listed keep their UID, whatever their flags; new ones are appended.
  ino_t ino = inode(list->path());
  std::vector<std::string> more = {"101.M2P1.h:2,RS", "103.M4P1.h", "103.M4P1.h:2,S"};
  auto uids2 = list->assign_uids(*lock, more);
  REQUIRE(uids2.ok());
  CHECK(*uids2 == std::vector<std::uint32_t>{2, 4, 4});
  CHECK(inode(list->path()) == ino);  // appended, not replaced
  CHECK(slurp(list->path()).ends_with("3 :102.M3P1.h\n4 :103.M4P1.h\n"));
  CHECK(std::filesystem::exists(dir.path() + "/dovecot-uidlist.lock"));
  CHECK(lock->release().ok());
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/dovecot-uidlist.lock"));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/dovecot-uidlist.tmp"));

  // Another reader sees the same UIDs.
  auto other = UidList::load(dir.path());
  REQUIRE(other.ok());
  CHECK(uids_of(*other) == std::vector<std::uint32_t>{1, 2, 3, 4});
  CHECK(other->find_name("103.M4P1.h:2,FS")->uid == 4u);
  CHECK(other->find_uid(2)->base == "101.M2P1.h");
  CHECK(other->find_uid(5) == nullptr);
  CHECK(other->find_name("nope") == nullptr);
}

TEST_CASE("changes need the lock of this list") {
  TempDir dir, elsewhere;
  auto list = UidList::load(dir.path());
  auto other = UidList::load(elsewhere.path());
  REQUIRE(list.ok());
  REQUIRE(other.ok());
  auto foreign = other->lock();
  REQUIRE(foreign.ok());
  std::vector<std::string> names = {"a"};
  CHECK(list->assign_uids(*foreign, names).status().code() == Code::kInvalidArgument);
  auto lock = list->lock();
  REQUIRE(lock.ok());
  // A second holder waits, then gets kLocked.
  auto second = UidList::load(dir.path());
  REQUIRE(second.ok());
  auto denied = second->lock(std::chrono::milliseconds(50));
  CHECK(denied.status().code() == Code::kLocked);
  REQUIRE(lock->release().ok());
  CHECK(list->assign_uids(*lock, names).status().code() == Code::kInvalidArgument);
  CHECK_FALSE(std::filesystem::exists(list->path()));
}

TEST_CASE("refresh is cheap when unchanged, reads only appended records, re-reads a new file") {
  TempDir dir;
  auto writer = UidList::load(dir.path());
  REQUIRE(writer.ok());
  std::vector<std::string> first = {"a", "b"};
  {
    auto lock = writer->lock();
    REQUIRE(lock.ok());
    REQUIRE(writer->assign_uids(*lock, first).ok());
  }
  auto reader = UidList::load(dir.path());
  REQUIRE(reader.ok());
  auto unchanged = reader->refresh();
  REQUIRE(unchanged.ok());
  CHECK_FALSE(*unchanged);
  CHECK_FALSE(*reader->changed_on_disk());

  // Someone (Dovecot) appends a record, half a record, then completes it.
  append(reader->path(), "3 W77 :c\n4 :d");
  CHECK(*reader->changed_on_disk());
  auto grew = reader->refresh();
  REQUIRE(grew.ok());
  CHECK(*grew);
  CHECK(uids_of(*reader) == std::vector<std::uint32_t>{1, 2, 3});
  CHECK(reader->find_uid(3)->field('W') == "77");
  CHECK(reader->next_uid() == 4u);
  append(reader->path(), ".done\n");
  REQUIRE(reader->refresh().ok());
  CHECK(uids_of(*reader) == std::vector<std::uint32_t>{1, 2, 3, 4});
  CHECK(reader->find_uid(4)->base == "d.done");

  // A rewrite (new inode) is read in full.
  {
    auto lock = writer->lock();
    REQUIRE(lock.ok());
    std::vector<std::string> gone = {"b"};
    REQUIRE(writer->drop_names(*lock, gone).ok());
  }
  auto replaced = reader->refresh();
  REQUIRE(replaced.ok());
  CHECK(*replaced);
  CHECK(uids_of(*reader) == std::vector<std::uint32_t>{1, 3, 4});
  CHECK(reader->next_uid() == 5u);
}

TEST_CASE("expunged records are dropped by a rewrite that never lowers next_uid") {
  TempDir dir;
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  auto lock = list->lock();
  REQUIRE(lock.ok());
  std::vector<std::string> names = {"a", "b", "c"};
  REQUIRE(list->assign_uids(*lock, names).ok());
  std::uint32_t uv = list->uid_validity();
  std::string guid = list->guid();
  ino_t ino = inode(list->path());
  std::vector<std::string> gone = {"c:2,ST", "a"};
  REQUIRE(list->drop_names(*lock, gone).ok());
  CHECK(inode(list->path()) != ino);  // replaced by rename, never edited in place
  CHECK(uids_of(*list) == std::vector<std::uint32_t>{2});
  CHECK(list->next_uid() == 4u);
  std::string text = slurp(list->path());
  CHECK(text == "3 V" + std::to_string(uv) + " N4 G" + guid + "\n2 :b\n");
  // A message coming back under an old name is new mail with a new UID.
  std::vector<std::string> back = {"a"};
  auto uids = list->assign_uids(*lock, back);
  REQUIRE(uids.ok());
  CHECK(uids->at(0) == 4u);
  // rewrite with a predicate.
  REQUIRE(list->rewrite(*lock, [](const UidRecord& r) { return r.uid > 2; }).ok());
  CHECK(uids_of(*list) == std::vector<std::uint32_t>{4});
  CHECK(list->next_uid() == 5u);
}

TEST_CASE("a moved-in message keeps its UID only when it is at least next_uid") {
  TempDir dir;
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  auto lock = list->lock();
  REQUIRE(lock.ok());
  std::vector<std::string> names = {"a", "b"};
  REQUIRE(list->assign_uids(*lock, names).ok());  // next_uid = 3
  std::vector<UidRequest> reqs = {
      {"moved.high", 10, ""},          // kept: >= next_uid
      {"moved.low", 5, ""},            // 5 < next_uid (11 now): new UID 11
      {"moved.same", 12, ""},          // == next_uid: kept
      {"plain", 0, "W99"},             // new UID 13, with a field
      {"b", 40, ""},                   // already listed: keeps 2
      {"moved.max", 4294967295u, ""},  // not a valid UID: new UID 14
  };
  auto uids = list->assign_uids(*lock, reqs);
  REQUIRE(uids.ok());
  CHECK(*uids == std::vector<std::uint32_t>{10, 11, 12, 13, 2, 14});
  CHECK(list->next_uid() == 15u);
  CHECK(list->find_uid(13)->field('W') == "99");
  auto reread = UidList::load(dir.path());
  REQUIRE(reread.ok());
  CHECK(uids_of(*reread) == std::vector<std::uint32_t>{1, 2, 10, 11, 12, 13, 14});
  CHECK(reread->next_uid() == 15u);
}

TEST_CASE("bad names and fields are refused before anything changes") {
  TempDir dir;
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  auto lock = list->lock();
  REQUIRE(lock.ok());
  for (const char* bad : {"", ":2,S", "a/b", "a\nb"}) {
    CAPTURE(bad);
    std::vector<std::string> names = {"fine", bad};
    CHECK(list->assign_uids(*lock, names).status().code() == Code::kInvalidArgument);
  }
  for (const char* bad : {"w1", "W1  S2", "W1 ", ":x", "W1\n"}) {
    CAPTURE(bad);
    std::vector<UidRequest> reqs = {{"fine", 0, bad}};
    CHECK(list->assign_uids(*lock, reqs).status().code() == Code::kInvalidArgument);
  }
  CHECK_FALSE(std::filesystem::exists(list->path()));
  CHECK(list->records().empty());
}

TEST_CASE("POP3 overrides: P and O fields set, read back and kept") {
  TempDir dir;
  spew(dir.path() + "/dovecot-uidlist", kDovecotList);
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  CHECK(list->header().field('P') == "xxx");
  CHECK(list->pop3_uidl(5) == "0000004a6f0a0c8e");
  CHECK(list->pop3_order(5) == 1u);
  CHECK_FALSE(list->pop3_uidl(1).has_value());
  CHECK_FALSE(list->pop3_order(99).has_value());
  auto lock = list->lock();
  REQUIRE(lock.ok());
  REQUIRE(list->set_field(*lock, 1, 'P', "UID1-1700000000").ok());
  REQUIRE(list->set_field(*lock, 3, 'W', std::nullopt).ok());
  REQUIRE(list->set_field(*lock, 5, 'O', "2").ok());
  CHECK(list->set_field(*lock, 2, 'P', "x").code() == Code::kNotFound);
  CHECK(list->set_field(*lock, 1, 'p', "x").code() == Code::kInvalidArgument);
  CHECK(list->set_field(*lock, 1, 'P', "a b").code() == Code::kInvalidArgument);
  CHECK(slurp(list->path()) ==
        "3 V1700000000 N8 G0123456789abcdef0123456789abcdef Pxxx\n"
        "1 PUID1-1700000000 :1700000001.M1P1.host,S=100,W=104\n"
        "3 S2000 :1700000002.M2P1.host\n"
        "5 P0000004a6f0a0c8e O2 :1700000003.M3P1.host,S=5,W=6\n"
        "7 Gfeedfacefeedfacefeedfacefeedface Xfuture :1700000004.M4P1.host\n");
}

TEST_CASE("a version 1 list is upgraded to version 3 on the first write, keeping UIDs") {
  TempDir dir;
  spew(dir.path() + "/dovecot-uidlist", "1 1100000000 6\n1 m1:2,S\n4 m4\n");
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  REQUIRE(list->exists());
  CHECK(list->uid_validity() == 1100000000u);
  auto lock = list->lock();
  REQUIRE(lock.ok());
  std::vector<std::string> names = {"m4:2,S", "m7"};
  auto uids = list->assign_uids(*lock, names);
  REQUIRE(uids.ok());
  CHECK(*uids == std::vector<std::uint32_t>{4, 6});
  std::string text = slurp(list->path());
  CHECK(
      std::regex_match(text, std::regex("3 V1100000000 N7 G[0-9a-f]{32}\n1 :m1\n4 :m4\n6 :m7\n")));
}

TEST_CASE("a damaged list is repaired on the next write; a half line is never appended to") {
  TempDir dir;
  std::string path = dir.path() + "/dovecot-uidlist";
  spew(path, "3 V77 N3 G0123456789abcdef0123456789abcdef\n1 :a\nbroken line\n2 :b\n3 :half");
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  CHECK(list->skipped_lines() == 1);
  auto lock = list->lock();
  REQUIRE(lock.ok());
  std::vector<std::string> names = {"c"};
  auto uids = list->assign_uids(*lock, names);
  REQUIRE(uids.ok());
  CHECK(uids->at(0) == 3u);
  CHECK(slurp(path) == "3 V77 N4 G0123456789abcdef0123456789abcdef\n1 :a\n2 :b\n3 :c\n");
  CHECK(list->skipped_lines() == 0);
}

TEST_CASE("a lost list is rebuilt with a new, greater UIDVALIDITY; UIDs start over") {
  TempDir dir;
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  std::uint32_t uv1;
  {
    auto lock = list->lock();
    REQUIRE(lock.ok());
    std::vector<std::string> names = {"a", "b"};
    REQUIRE(list->assign_uids(*lock, names).ok());
    uv1 = list->uid_validity();
  }
  std::string guid1 = list->guid();
  REQUIRE(std::filesystem::remove(list->path()));
  auto changed = list->refresh();
  REQUIRE(changed.ok());
  CHECK(*changed);
  CHECK_FALSE(list->exists());
  CHECK(list->records().empty());
  {
    auto lock = list->lock();
    REQUIRE(lock.ok());
    std::vector<std::string> names = {"b", "a"};
    auto uids = list->assign_uids(*lock, names);
    REQUIRE(uids.ok());
    CHECK(*uids == std::vector<std::uint32_t>{1, 2});
  }
  CHECK(list->uid_validity() > uv1);  // even within the same second
  CHECK(list->guid() != guid1);

  // A corrupt header counts as lost too; recreate() takes a floor from elsewhere (an index).
  spew(list->path(), "nonsense\n1 :a\n");
  REQUIRE(list->refresh().ok());
  CHECK_FALSE(list->exists());
  auto lock = list->lock();
  REQUIRE(lock.ok());
  REQUIRE(list->recreate(*lock, 4000000000u).ok());
  CHECK(list->uid_validity() == 4000000001u);
  CHECK(list->records().empty());
  auto reread = UidList::load(dir.path());
  REQUIRE(reread.ok());
  CHECK(reread->exists());
  CHECK(reread->uid_validity() == 4000000001u);
  CHECK(reread->next_uid() == 1u);
}

TEST_CASE("next_uid_validity is the time, strictly above the previous value") {
  std::uint32_t now = static_cast<std::uint32_t>(std::time(nullptr));
  CHECK(maildir::next_uid_validity(0) >= now);
  CHECK(maildir::next_uid_validity(now + 100) == now + 101);
  auto g1 = maildir::random_guid();
  auto g2 = maildir::random_guid();
  REQUIRE(g1.ok());
  REQUIRE(g2.ok());
  CHECK(std::regex_match(*g1, std::regex("[0-9a-f]{32}")));
  CHECK(*g1 != *g2);
}

TEST_CASE("several processes assigning at once never give two files one UID") {
  TempDir dir;
  constexpr int kProcs = 6;
  constexpr int kPerProc = 25;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int rc = 0;
      auto list = UidList::load(dir.path());
      if (!list.ok()) _exit(2);
      for (int i = 0; i < kPerProc && rc == 0; ++i) {
        auto lock = list->lock(std::chrono::seconds(20));
        if (!lock.ok()) _exit(3);
        // Each process also re-assigns one shared name: it must get one UID for everyone.
        std::vector<std::string> names = {"p" + std::to_string(p) + "." + std::to_string(i),
                                          "shared"};
        auto uids = list->assign_uids(*lock, names);
        if (!uids.ok()) rc = 4;
      }
      _exit(rc);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  CHECK(list->skipped_lines() == 0);
  CHECK(list->records().size() == kProcs * kPerProc + 1);
  std::set<std::uint32_t> uids;
  std::set<std::string> names;
  std::uint32_t prev = 0;
  for (const auto& r : list->records()) {
    CHECK(r.uid > prev);
    prev = r.uid;
    uids.insert(r.uid);
    names.insert(r.base);
  }
  CHECK(uids.size() == kProcs * kPerProc + 1);
  CHECK(names.size() == kProcs * kPerProc + 1);
  CHECK(list->next_uid() == prev + 1);
}

TEST_CASE("a file over the size limit is refused, not read into memory") {
  TempDir dir;
  std::string path = dir.path() + "/dovecot-uidlist";
  {
    std::ofstream out(path, std::ios::binary);
    out << "3 V1 N1 G0123456789abcdef0123456789abcdef\n";
  }
  REQUIRE(truncate(path.c_str(), static_cast<off_t>(maildir::kMaxUidListBytes) + 1) == 0);
  auto list = UidList::load(dir.path());
  CHECK(list.status().code() == Code::kLimit);
}

TEST_CASE("when the UID space runs out, assign_uids says kLimit and writes nothing") {
  TempDir dir;
  std::string path = dir.path() + "/dovecot-uidlist";
  const std::string text = "3 V9 N4294967293 G0123456789abcdef0123456789abcdef\n7 :old\n";
  spew(path, text);
  auto list = UidList::load(dir.path());
  REQUIRE(list.ok());
  auto lock = list->lock();
  REQUIRE(lock.ok());
  std::vector<std::string> two = {"a", "b"};
  auto uids = list->assign_uids(*lock, two);
  REQUIRE(uids.ok());
  CHECK(*uids == std::vector<std::uint32_t>{4294967293u, 4294967294u});
  std::vector<std::string> one_more = {"c", "old"};
  auto full = list->assign_uids(*lock, one_more);
  CHECK(full.status().code() == Code::kLimit);
  CHECK(list->find_name("c") == nullptr);
  CHECK(slurp(path) == text + "4294967293 :a\n4294967294 :b\n");
  // A fresh UIDVALIDITY makes room again.
  REQUIRE(list->recreate(*lock).ok());
  auto again = list->assign_uids(*lock, one_more);
  REQUIRE(again.ok());
  CHECK(*again == std::vector<std::uint32_t>{1, 2});
}

TEST_CASE("byte drip: a reader refreshing while the file grows one byte at a time ends equal") {
  TempDir dir;
  std::string path = dir.path() + "/dovecot-uidlist";
  const std::string text = std::string(kDovecotList) + "8 :late.one\n9 W5 :late.two\n";
  spew(path, text.substr(0, 1));
  auto reader = UidList::load(dir.path());
  REQUIRE(reader.ok());
  for (std::size_t i = 1; i < text.size(); ++i) {
    append(path, text.substr(i, 1));
    auto r = reader->refresh();
    REQUIRE(r.ok());
    CHECK(*r);
    // Never a record from a half line; records only ever grow.
    for (const auto& rec : reader->records()) {
      CHECK(text.find(maildir::format_uidlist_record(rec)) != std::string::npos);
    }
  }
  auto whole = UidList::load(dir.path());
  REQUIRE(whole.ok());
  REQUIRE(reader->records().size() == whole->records().size());
  for (std::size_t i = 0; i < whole->records().size(); ++i) {
    CHECK(reader->records()[i].uid == whole->records()[i].uid);
    CHECK(reader->records()[i].base == whole->records()[i].base);
    CHECK(reader->records()[i].fields == whole->records()[i].fields);
  }
  CHECK(reader->next_uid() == 10u);
  CHECK(reader->uid_validity() == 1700000000u);
  CHECK(reader->header().field('P') == "xxx");
}
