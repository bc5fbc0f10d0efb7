// Change detection: inotify marks dirty on changes to new/, cur/ and dovecot-uidlist; the
// stat-based fallback does the same by comparing stamps.
#include "maildir/watcher.h"

#include <doctest/doctest.h>
#include <poll.h>

#include "mailbox_test_util.h"

using namespace maildir;
using namespace mbtest;

namespace {

Watcher open_ok(const std::string& dir, Watcher::Mode mode) {
  Result<Watcher> w = Watcher::open(dir, mode);
  REQUIRE_MESSAGE(w.ok(), w.status().to_string());
  return std::move(*w);
}

// True when the fd becomes readable within `ms`.
bool readable(int fd, int ms) {
  struct pollfd p {
    fd, POLLIN, 0
  };
  return ::poll(&p, 1, ms) == 1;
}

}  // namespace

TEST_CASE("a missing folder is kNotFound") {
  TempDir t;
  Result<Watcher> w = Watcher::open(t.path() + "/nope");
  CHECK(w.status().code() == Code::kNotFound);
}

TEST_CASE("inotify: starts dirty, clear() cleans, a change in new/ or cur/ marks dirty") {
  TempDir t;
  make_folder(t.path());
  Watcher w = open_ok(t.path(), Watcher::Mode::kInotify);
  REQUIRE(w.uses_inotify());
  REQUIRE(w.fd() >= 0);
  CHECK(w.dirty());
  w.clear();
  CHECK(!w.dirty());
  CHECK(!readable(w.fd(), 0));

  write_file(t.path() + "/new/1.a.host", "m\n");  // a delivery
  CHECK(readable(w.fd(), 1000));
  CHECK(w.dirty());
  CHECK(w.dirty());  // stays dirty until clear()
  w.clear();
  CHECK(!w.dirty());

  REQUIRE(::rename((t.path() + "/new/1.a.host").c_str(),
                   (t.path() + "/cur/1.a.host:2,S").c_str()) == 0);
  CHECK(w.dirty());
  w.clear();
  REQUIRE(::unlink((t.path() + "/cur/1.a.host:2,S").c_str()) == 0);
  CHECK(w.dirty());
  w.clear();
}

TEST_CASE("inotify: dovecot-uidlist replaced marks dirty; unrelated files do not") {
  TempDir t;
  make_folder(t.path());
  Watcher w = open_ok(t.path(), Watcher::Mode::kInotify);
  w.clear();
  write_file(t.path() + "/tegami-index", "cache");  // our own cache is not a change
  write_file(t.path() + "/something-else", "x");
  CHECK(!w.dirty());
  write_file(t.path() + "/dovecot-uidlist.tmp", "3 V1 N1\n");
  REQUIRE(::rename((t.path() + "/dovecot-uidlist.tmp").c_str(),
                   (t.path() + "/dovecot-uidlist").c_str()) == 0);
  CHECK(w.dirty());
}

TEST_CASE("inotify: cur/ replaced by a restore is seen, and watched again after clear()") {
  TempDir t;
  make_folder(t.path());
  Watcher w = open_ok(t.path(), Watcher::Mode::kInotify);
  w.clear();
  REQUIRE(::rename((t.path() + "/cur").c_str(), (t.path() + "/cur.old").c_str()) == 0);
  REQUIRE(::mkdir((t.path() + "/cur").c_str(), 0700) == 0);
  CHECK(w.dirty());
  w.clear();
  (void)w.dirty();  // a late IN_IGNORED for the old watch may still arrive
  w.clear();
  write_file(t.path() + "/cur/5.r.host:2,", "m\n");
  CHECK(w.dirty());
}

TEST_CASE("polling: stable stamps stay clean; any change marks dirty") {
  TempDir t;
  make_folder(t.path());
  backdate_folder(t.path());
  Watcher w = open_ok(t.path(), Watcher::Mode::kPoll);
  CHECK(!w.uses_inotify());
  CHECK(w.fd() == -1);
  CHECK(w.dirty());
  w.clear();
  CHECK(!w.dirty());
  write_file(t.path() + "/cur/1.p.host:2,", "m\n");
  CHECK(w.dirty());
  w.clear();
  // Just changed: a snapshot this fresh cannot prove "unchanged" (same-tick changes).
  CHECK(w.dirty());
  backdate_folder(t.path());
  w.clear();
  CHECK(!w.dirty());
  write_file(t.path() + "/dovecot-uidlist", "3 V1 N1\n");
  CHECK(w.dirty());
}

TEST_CASE("kAuto picks inotify on a local file system") {
  TempDir t;
  make_folder(t.path());
  Watcher w = open_ok(t.path(), Watcher::Mode::kAuto);
  CHECK(w.uses_inotify());
}
