// tegami-modseq (maildir/modseq.h): every change bumps the modseq, whoever made it; a second
// log on the same folder reads the first one's records instead of inventing its own; a lost
// or damaged file is rebuilt without HIGHESTMODSEQ going backwards; expunges are exact.
#include "maildir/modseq.h"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "mailbox_test_util.h"
#include "maildir/mailbox.h"

using namespace maildir;
using namespace mbtest;

namespace {

Mailbox open_box(const std::string& dir) {
  MailboxOptions o;
  o.use_index = false;
  Result<Mailbox> m = Mailbox::open(dir, o);
  REQUIRE_MESSAGE(m.ok(), m.status().to_string());
  return std::move(*m);
}

ModseqLog open_log(const Mailbox& mb) {
  Result<ModseqLog> l = ModseqLog::open(mb);
  REQUIRE_MESSAGE(l.ok(), l.status().to_string());
  return std::move(*l);
}

void sync_into(Mailbox& mb, ModseqLog& log) {
  Result<SyncChanges> ch = mb.sync();
  REQUIRE(ch.ok());
  std::vector<std::uint32_t> changed = ch->flags_changed;
  changed.insert(changed.end(), ch->added.begin(), ch->added.end());
  REQUIRE(log.update(mb, changed, ch->expunged).ok());
}

}  // namespace

TEST_CASE("modseq: store, a rename by another program and an expunge each raise the modseq") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/cur/1000.a.host:2,", "Subject: a\n\nx\n");
  write_file(t.path() + "/cur/1001.b.host:2,S", "Subject: b\n\ny\n");
  write_file(t.path() + "/cur/1002.c.host:2,", "Subject: c\n\nz\n");
  Mailbox mb = open_box(t.path());
  ModseqLog log = open_log(mb);
  const std::uint64_t h0 = log.highest();
  CHECK(h0 > 1000000000000000ull);  // time-based base (microseconds)
  CHECK(log.modseq(1) == h0);
  CHECK(log.modseq(3) == h0);

  // tegami's own STORE.
  FlagStore fs;
  fs.system = kFlagFlagged;
  std::vector<std::uint32_t> one{1};
  REQUIRE(mb.store(one, fs).ok());
  REQUIRE(log.update(mb, one, {}).ok());
  CHECK(log.modseq(1) == h0 + 1);
  CHECK(log.highest() == h0 + 1);
  // The same flags again: nothing changed, no new modseq.
  REQUIRE(log.update(mb, one, {}).ok());
  CHECK(log.highest() == h0 + 1);

  // Another program (mutt) renames message 2's file: seen as a change at the next sync.
  REQUIRE(std::rename((t.path() + "/cur/1001.b.host:2,S").c_str(),
                      (t.path() + "/cur/1001.b.host:2,RS").c_str()) == 0);
  sync_into(mb, log);
  CHECK(log.modseq(2) == h0 + 2);

  // A second log (another session) sees the same modseqs without inventing new ones.
  Mailbox mb2 = open_box(t.path());
  ModseqLog log2 = open_log(mb2);
  CHECK(log2.highest() == h0 + 2);
  CHECK(log2.modseq(1) == h0 + 1);
  CHECK(log2.modseq(2) == h0 + 2);
  CHECK(log2.modseq(3) == h0);

  // A file deleted by another program: an exact expunge record.
  REQUIRE(std::remove((t.path() + "/cur/1002.c.host:2,").c_str()) == 0);
  sync_into(mb, log);
  CHECK(log.highest() == h0 + 3);
  auto gone = log.expunged_since(h0 + 2);
  REQUIRE(gone.has_value());
  CHECK(*gone == std::vector<std::uint32_t>{3});
  CHECK(log.expunged_since(h0 + 3)->empty());
  // The other session learns it from the file, and records nothing more.
  sync_into(mb2, log2);
  CHECK(log2.highest() == h0 + 3);
  CHECK(*log2.expunged_since(h0) == std::vector<std::uint32_t>{3});
  // A change made while no session watched is found when the log is opened again.
  REQUIRE(std::rename((t.path() + "/cur/1000.a.host:2,F").c_str(),
                      (t.path() + "/cur/1000.a.host:2,FS").c_str()) == 0);
  Mailbox mb3 = open_box(t.path());
  ModseqLog log3 = open_log(mb3);
  CHECK(log3.modseq(1) == h0 + 4);
  CHECK(log3.highest() == h0 + 4);
}

TEST_CASE("modseq: a deleted or damaged file is rebuilt with a higher HIGHESTMODSEQ") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/cur/1000.a.host:2,", "Subject: a\n\nx\n");
  Mailbox mb = open_box(t.path());
  std::uint64_t before = 0;
  {
    ModseqLog log = open_log(mb);
    FlagStore fs;
    fs.system = kFlagSeen;
    std::vector<std::uint32_t> one{1};
    REQUIRE(mb.store(one, fs).ok());
    REQUIRE(log.update(mb, one, {}).ok());
    before = log.highest();
  }
  REQUIRE(std::remove((t.path() + "/tegami-modseq").c_str()) == 0);
  ModseqLog again = open_log(mb);
  CHECK(again.highest() > before);
  CHECK(again.modseq(1) > before);
  // Below the rebuilt file's floor nothing is known about expunges.
  CHECK_FALSE(again.expunged_since(before).has_value());

  // Garbage appended (a torn write): readers ignore it, the next writer repairs the file.
  std::uint64_t h = again.highest();
  {
    FILE* f = std::fopen((t.path() + "/tegami-modseq").c_str(), "ab");
    std::fputs("0123456789", f);
    std::fclose(f);
  }
  ModseqLog other = open_log(mb);
  CHECK(other.highest() == h);
  FlagStore fs;
  fs.mode = StoreMode::kRemove;
  fs.system = kFlagSeen;
  std::vector<std::uint32_t> one{1};
  REQUIRE(mb.store(one, fs).ok());
  REQUIRE(other.update(mb, one, {}).ok());
  CHECK(other.highest() == h + 1);
  ModseqLog fresh = open_log(mb);
  CHECK(fresh.highest() == h + 1);
  CHECK(fresh.modseq(1) == h + 1);

  // A header that does not verify: rebuilt, still above everything given before.
  write_file(t.path() + "/tegami-modseq", "not a modseq file at all, 48 bytes or more......");
  ModseqLog rebuilt = open_log(mb);
  CHECK(rebuilt.highest() > h + 1);
}

TEST_CASE("modseq: a big folder's log is cached per process, and a rebuilt file is not mistaken") {
  TempDir t;
  make_folder(t.path());
  for (int i = 0; i < 5100; ++i) {
    write_file(
        t.path() + "/cur/" + std::to_string(1000 + i) + ".x" + std::to_string(i) + ".host:2,",
        "Subject: s\n\nx\n");
  }
  Mailbox mb = open_box(t.path());
  std::uint64_t h0 = 0;
  {
    ModseqLog a = open_log(mb);  // reads and caches the file
    h0 = a.highest();
  }
  // Another writer appends; a new log reads only that from the cache's end.
  ModseqLog w = open_log(mb);
  FlagStore fs;
  fs.system = kFlagSeen;
  std::vector<std::uint32_t> uids{7, 4000};
  REQUIRE(mb.store(uids, fs).ok());
  REQUIRE(w.update(mb, uids, {}).ok());
  ModseqLog b = open_log(mb);
  CHECK(b.highest() == h0 + 2);
  CHECK(b.modseq(7) == h0 + 1);
  CHECK(b.modseq(4000) == h0 + 2);
  CHECK(b.modseq(8) == h0);
  // Deleted and rebuilt (the inode number may be reused): not the cached file.
  REQUIRE(std::remove((t.path() + "/tegami-modseq").c_str()) == 0);
  ModseqLog c = open_log(mb);
  CHECK(c.highest() > h0 + 2);
  CHECK(c.modseq(8) == c.highest());
  ModseqLog d = open_log(mb);
  CHECK(d.highest() == c.highest());
}

TEST_CASE("modseq: two processes recording at once hand out distinct, growing modseqs") {
  TempDir t;
  make_folder(t.path());
  for (int i = 0; i < 80; ++i) {
    write_file(
        t.path() + "/cur/" + std::to_string(1000 + i) + ".p" + std::to_string(i) + ".host:2,",
        "Subject: s\n\nx\n");
  }
  std::uint64_t h0 = 0;
  {
    Mailbox mb = open_box(t.path());
    h0 = open_log(mb).highest();
  }
  pid_t child = fork();
  REQUIRE(child >= 0);
  // Parent flags the odd UIDs, the child the even ones, one STORE and record at a time.
  const std::uint32_t first = child == 0 ? 2 : 1;
  bool ok = true;
  {
    Mailbox mb = open_box(t.path());
    Result<ModseqLog> log = ModseqLog::open(mb);
    ok = log.ok();
    for (std::uint32_t u = first; ok && u <= 80; u += 2) {
      FlagStore fs;
      fs.system = kFlagFlagged;
      std::vector<std::uint32_t> one{u};
      ok = mb.store(one, fs).ok() && log->update(mb, one, {}).ok();
    }
  }
  if (child == 0) _exit(ok ? 0 : 1);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(ok);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  Mailbox mb = open_box(t.path());
  ModseqLog log = open_log(mb);
  std::vector<std::uint64_t> seen;
  for (std::uint32_t u = 1; u <= 80; ++u) seen.push_back(log.modseq(u));
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // all distinct
  CHECK(seen.front() > h0);
  // Nothing lost: 80 changes, 80 modseqs at least. A process whose view already shows the
  // other's flag change may record that change too (the documented harmless race: a modseq
  // grows twice), so at most every change twice.
  CHECK(log.highest() >= h0 + 80);
  CHECK(log.highest() <= h0 + 160);
  CHECK(log.highest() == seen.back());
}

TEST_CASE("modseq: compaction keeps every message's last record, the expunges and the highest") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/cur/1000.a.host:2,", "Subject: a\n\nx\n");
  write_file(t.path() + "/cur/1001.b.host:2,", "Subject: b\n\ny\n");
  write_file(t.path() + "/cur/1002.c.host:2,", "Subject: c\n\nz\n");
  Mailbox mb = open_box(t.path());
  ModseqLog log = open_log(mb);
  const std::uint64_t h0 = log.highest();
  std::vector<std::uint32_t> three{3};
  REQUIRE(mb.expunge(three).ok());
  REQUIRE(log.update(mb, {}, three).ok());
  // Message 2 changed by another program and not recorded yet when the file is compacted.
  REQUIRE(std::rename((t.path() + "/cur/1001.b.host:2,").c_str(),
                      (t.path() + "/cur/1001.b.host:2,S").c_str()) == 0);
  std::vector<std::uint32_t> one{1};
  for (int i = 0; i < 4200; ++i) {
    FlagStore fs;
    fs.mode = i % 2 == 0 ? StoreMode::kAdd : StoreMode::kRemove;
    fs.system = kFlagFlagged;
    REQUIRE(mb.store(one, fs).ok());
    REQUIRE(log.update(mb, one, {}).ok());
  }
  const std::uint64_t h = log.highest();
  CHECK(h == h0 + 1 + 4200);
  struct stat st;
  REQUIRE(::stat((t.path() + "/tegami-modseq").c_str(), &st) == 0);
  CHECK(st.st_size < 48 + 24 * 1000);  // compacted
  ModseqLog fresh = open_log(open_box(t.path()));
  CHECK(fresh.modseq(1) == h);
  CHECK(*fresh.expunged_since(h0) == std::vector<std::uint32_t>{3});
  // The unrecorded rename of message 2 is still found (and recorded) after the compaction.
  CHECK(fresh.modseq(2) > h);
  CHECK(fresh.highest() == h + 1);
}
