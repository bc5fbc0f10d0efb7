// The synced Mailbox view: changes made by other programs, UID stability, races.
#include "maildir/mailbox.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "mailbox_test_util.h"

using namespace maildir;
using namespace mbtest;

namespace {

std::map<std::string, std::uint32_t> uids_by_base(const Mailbox& m) {
  std::map<std::string, std::uint32_t> out;
  for (size_t i = 0; i < m.count(); ++i) out[std::string(m.base_name(i))] = m.record(i).uid;
  return out;
}

}  // namespace

TEST_CASE("an empty folder opens with a UIDVALIDITY and an empty view") {
  TempDir t;
  make_folder(t.path());
  Mailbox m = open_ok(t.path());
  CHECK(m.count() == 0);
  CHECK(m.uid_validity() != 0);
  CHECK(m.uid_next() == 1);
  CHECK(m.guid().size() == 32);
  CHECK(exists(t.path() + "/dovecot-uidlist"));
}

TEST_CASE("a file dropped into new/ by hand (like mutt) appears with a UID, size and date") {
  TempDir t;
  make_folder(t.path());
  Mailbox m = open_ok(t.path());
  write_file(t.path() + "/new/1700000000.1234_1.mutthost", "Subject: hi\n\nbody\n", 1600000000);
  SyncChanges c = sync_ok(m);
  REQUIRE(c.added.size() == 1);
  REQUIRE(m.count() == 1);
  CHECK(m.record(0).uid == c.added[0]);
  CHECK(m.record(0).uid >= 1);
  CHECK(*m.size(0) == 18);
  CHECK(*m.internal_date(0) == 1600000000);
  CHECK(m.record(0).dir == MessageDir::kNew);
  Result<std::uint64_t> vs = m.vsize(0);
  REQUIRE(vs.ok());
  CHECK(*vs == 18 + 3);  // three LFs counted as CRLF
  // A second sync with nothing changed reports nothing.
  CHECK(sync_ok(m).empty());
}

TEST_CASE("SELECT read-write moves new/ to cur/ with :2, and keeps the UID") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/new/100.a.host", "x\n");
  Mailbox m = open_ok(t.path());
  REQUIRE(m.count() == 1);
  std::uint32_t uid = m.record(0).uid;
  CHECK(m.record(0).dir == MessageDir::kNew);  // open() never moves
  SyncChanges c = sync_ok(m, SyncOptions{.move_new_to_cur = true});
  CHECK(c.added.empty());
  CHECK(c.expunged.empty());
  CHECK(m.record(0).dir == MessageDir::kCur);
  CHECK(m.file_name(0) == "100.a.host:2,");
  CHECK(exists(t.path() + "/cur/100.a.host:2,"));
  CHECK(!exists(t.path() + "/new/100.a.host"));
  CHECK(sync_ok(m).empty());
  Mailbox again = open_ok(t.path());
  REQUIRE(again.count() == 1);
  CHECK(again.record(0).uid == uid);
}

TEST_CASE("a flag rename by another process is reported as a flag change") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/cur/100.a.host:2,", "x\n");
  write_file(t.path() + "/cur/101.b.host:2,S", "y\n");
  Mailbox m = open_ok(t.path());
  REQUIRE(m.count() == 2);
  CHECK(!m.flags(0).has(kFlagSeen));
  CHECK(m.flags(1).has(kFlagSeen));
  std::uint32_t uid0 = m.record(0).uid;
  REQUIRE(::rename((t.path() + "/cur/100.a.host:2,").c_str(),
                   (t.path() + "/cur/100.a.host:2,FRS").c_str()) == 0);
  SyncChanges c = sync_ok(m);
  REQUIRE(c.flags_changed.size() == 1);
  CHECK(c.flags_changed[0] == uid0);
  CHECK(c.added.empty());
  CHECK(c.expunged.empty());
  CHECK(m.flags(0).has(kFlagSeen));
  CHECK(m.flags(0).has(kFlagFlagged));
  CHECK(m.flags(0).has(kFlagReplied));
  CHECK(m.file_name(0) == "100.a.host:2,FRS");
}

TEST_CASE("a deleted file is reported expunged; a restored copy comes back with a new UID") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/cur/100.a.host:2,S", "one\n");
  write_file(t.path() + "/cur/101.b.host:2,", "two\n");
  Mailbox m = open_ok(t.path());
  REQUIRE(m.count() == 2);
  std::uint32_t uid_a = m.record(0).uid, uid_b = m.record(1).uid;
  std::string saved = read_file(t.path() + "/cur/100.a.host:2,S");
  REQUIRE(::unlink((t.path() + "/cur/100.a.host:2,S").c_str()) == 0);
  SyncChanges c = sync_ok(m);
  REQUIRE(c.expunged == std::vector<std::uint32_t>{uid_a});
  REQUIRE(m.count() == 1);
  CHECK(m.record(0).uid == uid_b);
  // The restore brings the file back under its old name: the dovecot-uidlist record is still
  // there, but this session already sent EXPUNGE for uid_a, so it must get a higher UID.
  write_file(t.path() + "/cur/100.a.host:2,S", saved);
  c = sync_ok(m);
  REQUIRE(c.added.size() == 1);
  CHECK(c.added[0] > uid_b);
  CHECK(c.added[0] != uid_a);
  REQUIRE(m.count() == 2);
  CHECK(m.record(1).uid == c.added[0]);
  CHECK(m.record(0).uid < m.record(1).uid);
  // A fresh session agrees with the new UID.
  Mailbox again = open_ok(t.path());
  CHECK(uids_by_base(again) == uids_by_base(m));
}

TEST_CASE("UIDs are stable across reopen, with and without the cache") {
  TempDir t;
  make_folder(t.path());
  for (int i = 0; i < 20; ++i) {
    write_file(t.path() + "/new/" + std::to_string(1000 + i) + ".x.host", "m\n");
  }
  Mailbox m = open_ok(t.path());
  auto first = uids_by_base(m);
  REQUIRE(first.size() == 20);
  std::set<std::uint32_t> distinct;
  for (auto& [b, u] : first) distinct.insert(u);
  CHECK(distinct.size() == 20);
  Mailbox cached = open_ok(t.path());
  CHECK(uids_by_base(cached) == first);
  CHECK(cached.uid_validity() == m.uid_validity());
  MailboxOptions no_index;
  no_index.use_index = false;
  Mailbox plain = open_ok(t.path(), no_index);
  CHECK(uids_by_base(plain) == first);
  ::unlink((t.path() + "/tegami-index").c_str());
  Mailbox rebuilt = open_ok(t.path());
  CHECK(uids_by_base(rebuilt) == first);
  CHECK(rebuilt.uid_validity() == m.uid_validity());
}

TEST_CASE("a warm open of an unchanged folder is answered from tegami-index") {
  TempDir t;
  make_folder(t.path());
  for (int i = 0; i < 5; ++i)
    write_file(t.path() + "/cur/" + std::to_string(i) + ".y.host:2,S", "m\n");
  { Mailbox m = open_ok(t.path()); }
  backdate_folder(t.path());  // as if the folder had been left alone for a while
  {
    Mailbox m = open_ok(t.path());  // stamps differ from the cache: lists, then caches stably
    CHECK(!m.last_sync_from_cache());
  }
  Mailbox warm = open_ok(t.path());
  CHECK(warm.last_sync_from_cache());
  CHECK(warm.count() == 5);
  // A change is still seen: the stamp of new/ differs.
  write_file(t.path() + "/new/9.z.host", "m\n");
  SyncChanges c = sync_ok(warm);
  CHECK(c.added.size() == 1);
  CHECK(!warm.last_sync_from_cache());
}

TEST_CASE("losing dovecot-uidlist gives a new UIDVALIDITY, never silently reused UIDs") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/cur/1.a.host:2,", "m\n");
  Mailbox m = open_ok(t.path());
  std::uint32_t uv = m.uid_validity();
  REQUIRE(::unlink((t.path() + "/dovecot-uidlist").c_str()) == 0);
  SyncChanges c = sync_ok(m);
  CHECK(c.uidvalidity_changed);
  CHECK(m.uid_validity() != uv);
  CHECK(m.uid_validity() > uv);
  CHECK(m.count() == 1);
  // A new process with the (now outdated) cache sees the same new UIDVALIDITY.
  Mailbox other = open_ok(t.path());
  CHECK(other.uid_validity() == m.uid_validity());
}

TEST_CASE("two real files with one base name become two messages") {
  TempDir t;
  make_folder(t.path());
  // A restore put the old copy in new/ while the renamed one is in cur/.
  write_file(t.path() + "/new/55.dup.host", "old copy\n");
  write_file(t.path() + "/cur/55.dup.host:2,S", "current\n");
  Mailbox m = open_ok(t.path());
  CHECK(m.count() == 2);
  std::set<std::string> bases;
  for (size_t i = 0; i < m.count(); ++i) bases.insert(std::string(m.base_name(i)));
  CHECK(bases.size() == 2);
  CHECK(bases.count("55.dup.host") == 1);
  CHECK(m.record(0).uid != m.record(1).uid);
}

TEST_CASE("symlinks and dot files in cur/ are not messages") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/outside", "secret\n");
  REQUIRE(::symlink((t.path() + "/outside").c_str(), (t.path() + "/cur/7.link.host:2,").c_str()) ==
          0);
  write_file(t.path() + "/cur/.hidden", "x\n");
  write_file(t.path() + "/cur/8.real.host:2,", "x\n");
  Mailbox m = open_ok(t.path());
  REQUIRE(m.count() == 1);
  CHECK(m.base_name(0) == "8.real.host");
}

TEST_CASE("concurrent syncs from two processes give each file exactly one UID") {
  TempDir t;
  make_folder(t.path());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i) {
      write_file(t.path() + "/new/" + std::to_string(round * 1000 + i) + ".race.host", "m\n");
    }
    pid_t kids[2];
    for (int k = 0; k < 2; ++k) {
      kids[k] = fork();
      REQUIRE(kids[k] >= 0);
      if (kids[k] == 0) {
        MailboxOptions o;
        o.use_index = false;
        Result<Mailbox> m = Mailbox::open(t.path(), o);
        if (!m.ok()) _exit(3);
        // The second child also moves new/ -> cur/, racing the first one's listing.
        Result<SyncChanges> c = m->sync(SyncOptions{.move_new_to_cur = k == 1});
        if (!c.ok()) _exit(4);
        // Write what this process saw: base -> UID.
        std::string out;
        for (size_t i = 0; i < m->count(); ++i) {
          out += std::string(m->base_name(i)) + " " + std::to_string(m->record(i).uid) + "\n";
        }
        write_file(t.path() + "/seen." + std::to_string(k), out);
        _exit(0);
      }
    }
    for (pid_t kid : kids) {
      int status = 0;
      REQUIRE(waitpid(kid, &status, 0) == kid);
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    std::map<std::string, std::uint32_t> seen[2];
    for (int k = 0; k < 2; ++k) {
      std::istringstream in(read_file(t.path() + "/seen." + std::to_string(k)));
      std::string base;
      std::uint32_t uid;
      while (in >> base >> uid) seen[k][base] = uid;
    }
    CHECK(seen[0].size() == static_cast<size_t>(200 * (round + 1)));
    CHECK(seen[0] == seen[1]);
    std::set<std::uint32_t> distinct;
    for (auto& [b, u] : seen[0]) distinct.insert(u);
    CHECK(distinct.size() == seen[0].size());
    Mailbox after = open_ok(t.path());
    CHECK(uids_by_base(after) == seen[0]);
  }
}

TEST_CASE(
    "files of one second get UIDs in delivery order: M99 before M100 (microseconds unpadded)") {
  TempDir t;
  make_folder(t.path());
  Mailbox m = open_ok(t.path());
  // Found by one sync; as text "M100" < "M99", as delivery order 99 µs comes first.
  write_file(t.path() + "/new/1700000000.M100P7Q2.host", "Subject: second\n\nb\n");
  write_file(t.path() + "/new/1700000000.M99P7Q1.host", "Subject: first\n\na\n");
  write_file(t.path() + "/new/1699999999.M999999P7Q0.host", "Subject: zeroth\n\nz\n");
  SyncChanges c = sync_ok(m);
  REQUIRE(c.added.size() == 3);
  REQUIRE(m.count() == 3);
  std::map<std::uint32_t, std::string> names;
  for (size_t i = 0; i < 3; ++i) names[m.record(i).uid] = std::string(m.base_name(i));
  std::vector<std::string> by_uid;
  for (const auto& [uid, name] : names) by_uid.push_back(name);
  CHECK(by_uid[0].rfind("1699999999.M999999", 0) == 0);
  CHECK(by_uid[1].rfind("1700000000.M99P", 0) == 0);
  CHECK(by_uid[2].rfind("1700000000.M100P", 0) == 0);
}
