// Mailbox operations: store, expunge, copy, move, append — files, UIDs and maildirsize.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>

#include "mailbox_test_util.h"
#include "maildir/mailbox.h"
#include "maildir/quota.h"

using namespace maildir;
using namespace mbtest;

namespace {

struct Tree {
  TempDir t;
  std::string root() const { return t.path(); }
  std::string target() const { return t.path() + "/.Target"; }
  Tree() {
    make_folder(root());
    make_folder(target());
    write_file(target() + "/maildirfolder", "");
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Sets up maildirsize with a 10 MB quota (recalculated from the files).
void init_quota(const std::string& root) {
  QuotaOptions qo;
  qo.limit = QuotaLimit::megabytes(10);
  Result<QuotaUsage> u = Quota(root, qo).recalculate();
  REQUIRE_MESSAGE(u.ok(), u.status().to_string());
}

std::vector<std::uint32_t> all_uids(const Mailbox& m) {
  std::vector<std::uint32_t> out;
  for (size_t i = 0; i < m.count(); ++i) out.push_back(m.record(i).uid);
  return out;
}

}  // namespace

TEST_CASE("store adds, removes and replaces flags by renaming in cur/, durably") {
  Tree tr;
  write_file(tr.root() + "/cur/1.a.host,S=2:2,S", "x\n");
  write_file(tr.root() + "/new/2.b.host,S=2", "y\n");
  Mailbox m = open_ok(tr.root());
  REQUIRE(m.count() == 2);
  std::vector<std::uint32_t> uids = all_uids(m);
  Result<std::vector<StoredFlags>> r = m.store(uids, FlagStore{StoreMode::kAdd, kFlagFlagged, {}});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].flags.system == (kFlagFlagged | kFlagSeen));
  CHECK((*r)[1].flags.system == kFlagFlagged);
  CHECK(exists(tr.root() + "/cur/1.a.host,S=2:2,FS"));
  CHECK(exists(tr.root() + "/cur/2.b.host,S=2:2,F"));  // moved out of new/ on the way
  r = m.store(uids, FlagStore{StoreMode::kRemove, kFlagSeen, {}});
  REQUIRE(r.ok());
  CHECK(exists(tr.root() + "/cur/1.a.host,S=2:2,F"));
  r = m.store(std::vector<std::uint32_t>{uids[1]},
              FlagStore{StoreMode::kReplace, kFlagReplied | kFlagDraft, {}});
  REQUIRE(r.ok());
  CHECK(exists(tr.root() + "/cur/2.b.host,S=2:2,DR"));
  // Our own changes are not reported back as changes by the next sync.
  Result<SyncChanges> c = m.sync();
  REQUIRE(c.ok());
  CHECK(c->flags_changed.empty());
  // And another process sees them.
  Mailbox other = open_ok(tr.root());
  CHECK(other.flags(1).system == (kFlagReplied | kFlagDraft));
}

TEST_CASE("store retries when another process renamed the file under it") {
  Tree tr;
  write_file(tr.root() + "/cur/1.a.host:2,", "x\n");
  Mailbox m = open_ok(tr.root());
  std::uint32_t uid = m.record(0).uid;
  // Dovecot (say) marks it seen; our view still has the old name.
  REQUIRE(::rename((tr.root() + "/cur/1.a.host:2,").c_str(),
                   (tr.root() + "/cur/1.a.host:2,S").c_str()) == 0);
  Result<std::vector<StoredFlags>> r =
      m.store(std::vector<std::uint32_t>{uid}, FlagStore{StoreMode::kAdd, kFlagFlagged, {}});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].flags.system == (kFlagFlagged | kFlagSeen));
  CHECK(exists(tr.root() + "/cur/1.a.host:2,FS"));
  // The outside change is reported by the next sync.
  Result<SyncChanges> c = m.sync();
  REQUIRE(c.ok());
  CHECK(c->flags_changed == std::vector<std::uint32_t>{uid});
}

TEST_CASE("keywords get letters through dovecot-keywords; the 27th is a limit error") {
  Tree tr;
  write_file(tr.root() + "/cur/1.a.host:2,S", "x\n");
  Mailbox m = open_ok(tr.root());
  std::vector<std::uint32_t> uids = all_uids(m);
  Result<std::vector<StoredFlags>> r =
      m.store(uids, FlagStore{StoreMode::kAdd, 0, {"$Junk", "Work"}});
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  CHECK(exists(tr.root() + "/cur/1.a.host:2,Sab"));
  CHECK(read_file(tr.root() + "/dovecot-keywords") == "0 $Junk\n1 Work\n");
  std::vector<std::string> many;
  for (int i = 0; i < 24; ++i) many.push_back("kw" + std::to_string(i));
  r = m.store(uids, FlagStore{StoreMode::kAdd, 0, many});
  REQUIRE(r.ok());
  r = m.store(uids, FlagStore{StoreMode::kAdd, 0, {"one-too-many"}});
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Code::kLimit);
  CHECK(m.keywords().count() == 26);
  r = m.store(uids, FlagStore{StoreMode::kAdd, 0, {"bad keyword"}});
  CHECK(r.status().code() == Code::kInvalidArgument);
}

TEST_CASE("expunge unlinks, fsyncs and records the negative maildirsize line") {
  Tree tr;
  write_file(tr.root() + "/cur/1.a.host,S=6:2,S", "hello\n");
  write_file(tr.root() + "/cur/2.b.host,S=4:2,", "bye\n");
  init_quota(tr.root());
  Mailbox m = open_ok(tr.root());
  REQUIRE(m.count() == 2);
  std::uint32_t first = m.record(0).uid;
  Result<std::vector<std::uint32_t>> gone = m.expunge(std::vector<std::uint32_t>{first, 999});
  REQUIRE(gone.ok());
  CHECK(*gone == std::vector<std::uint32_t>{first});
  CHECK(m.count() == 1);
  CHECK(!exists(tr.root() + "/cur/1.a.host,S=6:2,S"));
  std::vector<std::string> lines = lines_of(read_file(tr.root() + "/maildirsize"));
  REQUIRE(lines.size() >= 2);
  CHECK(lines.back() == "-6 -1");
  Result<QuotaUsage> u = Quota(tr.root()).usage();
  REQUIRE(u.ok());
  CHECK(u->bytes == 4);
  CHECK(u->count == 1);
  // The next sync does not report our own expunge again.
  Result<SyncChanges> c = m.sync();
  REQUIRE(c.ok());
  CHECK(c->expunged.empty());
}

TEST_CASE("copy hard-links into the target with new UIDs, flags, keywords and quota") {
  Tree tr;
  write_file(tr.root() + "/cur/1.a.host,S=6:2,S", "hello\n", 1500000000);
  write_file(tr.root() + "/cur/2.b.host,S=4:2,F", "bye\n", 1500000100);
  init_quota(tr.root());
  Mailbox m = open_ok(tr.root());
  Result<std::vector<StoredFlags>> kw = m.store(std::vector<std::uint32_t>{m.record(1).uid},
                                                FlagStore{StoreMode::kAdd, 0, {"$Work"}});
  REQUIRE(kw.ok());
  // The target already knows another keyword, so the letters differ between the folders.
  write_file(tr.target() + "/dovecot-keywords", "0 $Other\n");
  Mailbox target = open_ok(tr.target());  // gives the target its UIDVALIDITY
  Result<CopyResult> c = m.copy_to(all_uids(m), tr.target());
  REQUIRE_MESSAGE(c.ok(), c.status().to_string());
  CHECK(c->target_uidvalidity == target.uid_validity());
  REQUIRE(c->mapping.size() == 2);
  CHECK(c->mapping[0].source_uid == m.record(0).uid);
  CHECK(c->mapping[0].target_uid < c->mapping[1].target_uid);
  Result<SyncChanges> ch = target.sync();
  REQUIRE(ch.ok());
  REQUIRE(target.count() == 2);
  CHECK(ch->added ==
        std::vector<std::uint32_t>{c->mapping[0].target_uid, c->mapping[1].target_uid});
  CHECK(target.flags(0).system == kFlagSeen);
  CHECK(target.flags(1).system == kFlagFlagged);
  CHECK(target.keywords().names_of(target.flags(1).keywords) == std::vector<std::string>{"$Work"});
  CHECK(*target.internal_date(0) == 1500000000);
  CHECK(*target.internal_date(1) == 1500000100);
  struct stat st;
  REQUIRE(::stat(target.path(0).c_str(), &st) == 0);
  CHECK(st.st_nlink == 2);  // a hard link, no second copy of the bytes
  // The source is unchanged; the usage grew by the copied bytes.
  CHECK(m.count() == 2);
  Result<QuotaUsage> u = Quota(tr.root()).usage();
  REQUIRE(u.ok());
  CHECK(u->bytes == 20);
  CHECK(u->count == 4);
  std::vector<std::string> lines = lines_of(read_file(tr.root() + "/maildirsize"));
  CHECK(std::count(lines.begin(), lines.end(), "6 1") == 1);
  CHECK(std::count(lines.begin(), lines.end(), "4 1") == 1);
}

TEST_CASE("copy over quota is refused before anything is copied") {
  Tree tr;
  write_file(tr.root() + "/cur/1.a.host,S=6:2,S", "hello\n");
  QuotaOptions qo;
  qo.limit = QuotaLimit{6, 0};
  REQUIRE(Quota(tr.root(), qo).recalculate().ok());
  MailboxOptions mo;
  mo.quota = qo;
  Mailbox m = open_ok(tr.root(), mo);
  Result<CopyResult> c = m.copy_to(all_uids(m), tr.target());
  REQUIRE(!c.ok());
  CHECK(c.status().code() == Code::kOverQuota);
  CHECK(list(tr.target() + "/cur").empty());
}

TEST_CASE("move renames into the target and keeps the UID when the target allows it") {
  Tree tr;
  for (int i = 0; i < 5; ++i)
    write_file(tr.root() + "/cur/" + std::to_string(i) + ".m.host,S=2:2,S", "x\n");
  init_quota(tr.root());
  const std::string quota_before = read_file(tr.root() + "/maildirsize");
  Mailbox m = open_ok(tr.root());
  REQUIRE(m.count() == 5);
  std::vector<std::uint32_t> uids = all_uids(m);  // 1..5
  std::vector<std::uint32_t> moved;
  Result<CopyResult> r =
      m.move_to(std::vector<std::uint32_t>{uids[3], uids[4]}, tr.target(), &moved);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  CHECK(moved == std::vector<std::uint32_t>{uids[3], uids[4]});
  REQUIRE(r->mapping.size() == 2);
  // The empty target's UIDNEXT is 1: it can take UIDs 4 and 5 as they are.
  CHECK(r->mapping[0].target_uid == uids[3]);
  CHECK(r->mapping[1].target_uid == uids[4]);
  CHECK(m.count() == 3);
  CHECK(exists(tr.target() + "/cur/3.m.host,S=2:2,S"));
  CHECK(!exists(tr.root() + "/cur/3.m.host,S=2:2,S"));
  // Moving a lower UID now needs a new one (the target's UIDNEXT is 6).
  r = m.move_to(std::vector<std::uint32_t>{uids[0]}, tr.target(), &moved);
  REQUIRE(r.ok());
  REQUIRE(r->mapping.size() == 1);
  CHECK(r->mapping[0].source_uid == uids[0]);
  CHECK(r->mapping[0].target_uid == 6);
  // Within one Maildir the usage does not change.
  CHECK(read_file(tr.root() + "/maildirsize") == quota_before);
  Mailbox target = open_ok(tr.target());
  std::vector<std::uint32_t> tu = all_uids(target);
  CHECK(tu == std::vector<std::uint32_t>{uids[3], uids[4], 6});
  Result<SyncChanges> c = m.sync();
  REQUIRE(c.ok());
  CHECK(c->expunged.empty());  // already reported through `moved`
}

TEST_CASE("append stores flags and internal date in cur/ and returns the UID") {
  Tree tr;
  init_quota(tr.root());
  Mailbox m = open_ok(tr.root());
  AppendOptions ao;
  ao.flags.system = kFlagSeen | kFlagDraft;
  ao.keywords = {"$Label1"};
  ao.internal_date = timespec{1234567890, 0};
  Result<Appended> a =
      append_to_folder(tr.root(), std::string_view("Subject: x\r\n\r\nhi\r\n"), ao);
  REQUIRE_MESSAGE(a.ok(), a.status().to_string());
  CHECK(a->uidvalidity == m.uid_validity());
  CHECK(a->uid == 1);
  Result<SyncChanges> c = m.sync();
  REQUIRE(c.ok());
  CHECK(c->added == std::vector<std::uint32_t>{a->uid});
  REQUIRE(m.count() == 1);
  CHECK(m.record(0).dir == MessageDir::kCur);
  CHECK(m.flags(0).system == (kFlagSeen | kFlagDraft));
  CHECK(m.keywords().names_of(m.flags(0).keywords) == std::vector<std::string>{"$Label1"});
  CHECK(*m.internal_date(0) == 1234567890);
  CHECK(*m.size(0) == 15);  // LF on disk: 11 + 1 + 3
  Result<std::uint64_t> vs = m.vsize(0);
  REQUIRE(vs.ok());
  CHECK(*vs == 18);  // three CRLF
  std::vector<std::string> lines = lines_of(read_file(tr.root() + "/maildirsize"));
  CHECK(lines.back() == "15 1");
  Result<Appended> b = append_to_folder(tr.root(), std::string_view("x\r\n"), AppendOptions{});
  REQUIRE(b.ok());
  CHECK(b->uid == 2);
}
