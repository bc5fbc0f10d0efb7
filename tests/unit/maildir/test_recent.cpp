// \Recent claims through tegami-recent (maildir/recent.h): the first claimant gets each UID,
// later ones get nothing; peeks do not claim; no record or another UIDVALIDITY: the fallback.
#include "maildir/recent.h"

#include <doctest/doctest.h>

#include "mailbox_test_util.h"

using namespace mbtest;

TEST_CASE("recent: each UID is claimed once; a later claimant gets only what is new") {
  TempDir t;
  make_folder(t.path());
  // No record yet: the fallback is where recent starts.
  CHECK(maildir::recent_boundary(t.path(), 7, 3) == 3);
  auto a = maildir::claim_recent(t.path(), 7, 6, 3);  // sees UIDs 1..5: gets 3, 4, 5
  REQUIRE(a.ok());
  CHECK(*a == 3);
  CHECK(read_file(t.path() + "/tegami-recent") == "V7 R6\n");
  auto b = maildir::claim_recent(t.path(), 7, 6, 3);  // the same view: nothing left
  REQUIRE(b.ok());
  CHECK(*b == 6);
  CHECK(maildir::recent_boundary(t.path(), 7, 3) == 6);  // a peek takes nothing
  CHECK(maildir::recent_boundary(t.path(), 7, 3) == 6);
  auto c = maildir::claim_recent(t.path(), 7, 9, 3);  // UIDs 6..8 arrived
  REQUIRE(c.ok());
  CHECK(*c == 6);
  // A new UIDVALIDITY voids the record.
  CHECK(maildir::recent_boundary(t.path(), 8, 1) == 1);
  auto d = maildir::claim_recent(t.path(), 8, 4, 1);
  REQUIRE(d.ok());
  CHECK(*d == 1);
  CHECK(read_file(t.path() + "/tegami-recent") == "V8 R4\n");
  // A damaged record counts as none.
  write_file(t.path() + "/tegami-recent", "garbage");
  CHECK(maildir::recent_boundary(t.path(), 8, 2) == 2);
}

TEST_CASE("recent: a held uidlist lock makes the claim fail with kLocked, claiming nothing") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/dovecot-uidlist.lock", "999999 elsewhere\n");
  auto r = maildir::claim_recent(t.path(), 1, 5, 1, std::chrono::milliseconds(0));
  CHECK_FALSE(r.ok());
  CHECK(r.status().code() == maildir::Code::kLocked);
  CHECK_FALSE(exists(t.path() + "/tegami-recent"));
}

TEST_CASE("recent: a claim with nothing to claim starts a missing record") {
  TempDir t;
  make_folder(t.path());
  auto a = maildir::claim_recent(t.path(), 3, 1, 1);  // an empty folder
  REQUIRE(a.ok());
  CHECK(*a == 1);
  CHECK(read_file(t.path() + "/tegami-recent") == "V3 R1\n");
  // UID 1 appended to cur/ later: the next session to see it gets it.
  auto b = maildir::claim_recent(t.path(), 3, 2, 2);
  REQUIRE(b.ok());
  CHECK(*b == 1);
}
