// ViewRegistry (view_registry.h): Mailboxes of one folder share one read-only snapshot of the
// view, copy it before changing it, follow changes made by others, and unused snapshots go.
#include "maildir/view_registry.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <thread>

#include "mailbox_test_util.h"
#include "maildir/mailbox.h"

using namespace maildir;
using namespace mbtest;

namespace {

// A folder of `n` messages in cur/ whose stamps are stable (as if left alone a while).
void settled_folder(const std::string& dir, int n) {
  make_folder(dir);
  for (int i = 0; i < n; ++i) {
    write_file(dir + "/cur/" + std::to_string(1000 + i) + ".M" + std::to_string(i) + ".host:2,",
               "Subject: " + std::to_string(i) + "\n\nbody\n");
  }
  { Mailbox m = open_ok(dir); }  // gives the UIDs
  backdate_folder(dir);
}

std::string name_of_uid(const Mailbox& m, std::uint32_t uid) {
  auto i = m.find_uid(uid);
  REQUIRE(i);
  return std::string(m.file_name(*i));
}

struct BudgetGuard {
  explicit BudgetGuard(std::size_t b) { ViewRegistry::instance().set_budget_bytes(b); }
  ~BudgetGuard() { ViewRegistry::instance().set_budget_bytes(ViewRegistry::kDefaultBudgetBytes); }
};

}  // namespace

TEST_CASE("two Mailboxes of an unchanged folder share one snapshot, without tegami-index") {
  TempDir t;
  settled_folder(t.path(), 20);
  Mailbox a = open_ok(t.path());
  REQUIRE(a.view_is_shared());
  CHECK(a.count() == 20);
  // The second open does not need the index file at all: the snapshot answers.
  REQUIRE(std::remove((t.path() + "/tegami-index").c_str()) == 0);
  Mailbox b = open_ok(t.path());
  CHECK(b.view_is_shared());
  CHECK(b.last_sync_from_cache());
  CHECK(b.count() == 20);
  CHECK(a.shared_uids() == b.shared_uids());  // the same vector, not a copy
  CHECK(a.records().data() == b.records().data());
  for (std::size_t i = 0; i < b.count(); ++i) CHECK(b.file_name(i) == a.file_name(i));
  // Nothing changed: a sync keeps sharing and reports nothing.
  CHECK(sync_ok(b).empty());
  CHECK(b.view_is_shared());
}

TEST_CASE("a STORE copies the view, the other Mailbox sees the change, both share again") {
  TempDir t;
  settled_folder(t.path(), 10);
  Mailbox a = open_ok(t.path());
  Mailbox b = open_ok(t.path());
  REQUIRE(a.view_is_shared());
  REQUIRE(b.view_is_shared());
  const std::uint32_t uid = a.record(3).uid;
  FlagStore fs;
  fs.system = kFlagFlagged;
  auto r = a.store(std::vector<std::uint32_t>{uid}, fs);
  REQUIRE(r.ok());
  CHECK(!a.view_is_shared());  // copy-on-write
  CHECK(a.flags(3).has(kFlagFlagged));
  CHECK(b.view_is_shared());
  CHECK(!b.flags(3).has(kFlagFlagged));  // b's view is untouched until it syncs
  backdate_folder(t.path());
  CHECK(sync_ok(a).empty());  // its own change: nothing to report
  CHECK(a.view_is_shared());  // published
  SyncChanges c = sync_ok(b);
  REQUIRE(c.flags_changed.size() == 1);
  CHECK(c.flags_changed[0] == uid);
  CHECK(c.expunged.empty());
  CHECK(c.added.empty());
  CHECK(b.flags(3).has(kFlagFlagged));
  CHECK(b.view_is_shared());
  CHECK(b.records().data() == a.records().data());
}

TEST_CASE("changes by another program (rename, delete, delivery) reach every sharer") {
  TempDir t;
  settled_folder(t.path(), 6);
  Mailbox a = open_ok(t.path());
  Mailbox b = open_ok(t.path());
  const std::uint32_t seen_uid = a.record(1).uid, gone_uid = a.record(4).uid;
  const std::string cur = t.path() + "/cur/";
  std::string old_name = name_of_uid(a, seen_uid);
  REQUIRE(std::rename((cur + old_name).c_str(), (cur + old_name + "S").c_str()) == 0);
  REQUIRE(std::remove((cur + name_of_uid(a, gone_uid)).c_str()) == 0);
  write_file(t.path() + "/new/2000.Mnew.host", "Subject: new\n\nx\n");
  backdate_folder(t.path());
  for (Mailbox* m : {&a, &b}) {
    SyncChanges c = sync_ok(*m);
    CHECK(c.flags_changed == std::vector<std::uint32_t>{seen_uid});
    CHECK(c.expunged == std::vector<std::uint32_t>{gone_uid});
    REQUIRE(c.added.size() == 1);
    CHECK(c.added[0] > gone_uid);
    CHECK(m->count() == 6);
    CHECK(!m->find_uid(gone_uid));
    CHECK(m->flags(*m->find_uid(seen_uid)).has(kFlagSeen));
  }
  // The UIDs were given under dovecot-uidlist.lock (not stable yet): once settled, both
  // share the snapshot again.
  backdate_folder(t.path());
  CHECK(sync_ok(a).empty());
  CHECK(sync_ok(b).empty());
  CHECK(a.view_is_shared());
  CHECK(b.view_is_shared());
  CHECK(a.records().data() == b.records().data());
}

TEST_CASE("a snapshot never gives back a UID its view reported expunged") {
  TempDir t;
  settled_folder(t.path(), 3);
  Mailbox a = open_ok(t.path());
  const std::uint32_t uid = a.record(0).uid;
  const std::string path = a.path(0);
  const std::string content = read_file(path);
  REQUIRE(std::remove(path.c_str()) == 0);
  backdate_folder(t.path());
  SyncChanges c = sync_ok(a);
  CHECK(c.expunged == std::vector<std::uint32_t>{uid});
  // A restore puts the file back, and another Mailbox (fresh) publishes a view where the
  // file has its old UID again (dovecot-uidlist still lists it).
  write_file(path, content);
  backdate_folder(t.path());
  REQUIRE(std::remove((t.path() + "/tegami-index").c_str()) == 0);
  Mailbox fresh = open_ok(t.path());
  REQUIRE(fresh.view_is_shared());
  REQUIRE(fresh.find_uid(uid));  // the scenario: the published snapshot has the old UID
  // a must not take that snapshot as it is: the file comes back under a new UID.
  SyncChanges back = sync_ok(a);
  REQUIRE(back.added.size() == 1);
  CHECK(back.added[0] > uid);
  CHECK(!a.find_uid(uid));
  CHECK(a.count() == 3);
}

TEST_CASE("unused snapshots are dropped: weak references, and an LRU bounded in bytes") {
  TempDir t;
  settled_folder(t.path(), 5);
  ViewRegistry& reg = ViewRegistry::instance();
  {
    BudgetGuard none(0);
    { Mailbox a = open_ok(t.path()); }
    CHECK(reg.find(t.path()) == nullptr);  // nobody uses it, no budget: gone
    Mailbox b = open_ok(t.path());
    CHECK(reg.find(t.path()) != nullptr);  // in use: found through the weak reference
  }
  {
    BudgetGuard some(1 << 20);
    { Mailbox a = open_ok(t.path()); }
    std::shared_ptr<const ViewSnapshot> kept = reg.find(t.path());
    REQUIRE(kept != nullptr);  // kept by the budget for the next open
    CHECK(kept->records.size() == 5);
    CHECK(reg.stats().retained_bytes >= kept->bytes());
    kept.reset();
    // A budget below the snapshot's size: the LRU lets it go.
    reg.set_budget_bytes(64);
    CHECK(reg.find(t.path()) == nullptr);
  }
}

TEST_CASE("sharing is off without the index, and for share_view = false") {
  TempDir t;
  settled_folder(t.path(), 4);
  MailboxOptions no_index;
  no_index.use_index = false;
  CHECK(!open_ok(t.path(), no_index).view_is_shared());
  MailboxOptions no_share;
  no_share.share_view = false;
  Mailbox m = open_ok(t.path(), no_share);
  CHECK(!m.view_is_shared());
  CHECK(m.count() == 4);
}

TEST_CASE("threads opening and syncing one folder at once all see the same view") {
  TempDir t;
  settled_folder(t.path(), 50);
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 50; ++i) {
        Result<Mailbox> m = Mailbox::open(t.path());
        if (!m.ok() || m->count() != 50) {
          ++bad[k];
          continue;
        }
        Result<SyncChanges> c = m->sync();
        if (!c.ok() || !c->empty() || m->count() != 50) ++bad[k];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int k = 0; k < 4; ++k) CHECK(bad[k] == 0);
}
