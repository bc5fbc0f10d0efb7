#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "maildir/lock.h"
#include "temp_dir.h"

using maildir::Code;
using maildir::DotLock;
using maildir::LockOptions;

TEST_CASE("a second acquire of a held lock gets kLocked, and works after release") {
  TempDir dir;
  std::string path = dir.path() + "/pop3.lock";
  auto first = DotLock::acquire(path);
  REQUIRE(first.ok());
  auto second = DotLock::acquire(path);
  CHECK(second.status().code() == Code::kLocked);
  REQUIRE(first->release().ok());
  auto third = DotLock::acquire(path);
  CHECK(third.ok());
  // No temporary files are left beside the lock.
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("a lock held by a dead process on this host is broken") {
  TempDir dir;
  std::string path = dir.path() + "/uidlist.lock";
  pid_t child = fork();
  if (child == 0) {
    auto lock = DotLock::acquire(path);
    // Exit without releasing, as a crash would.
    _exit(lock.ok() ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  // The lock survives the crash: release runs in destructors, which _exit skips.
  REQUIRE(access(path.c_str(), F_OK) == 0);
  auto lock = DotLock::acquire(path);
  CHECK(lock.ok());
}

TEST_CASE("a lock of another host is stale only after stale_after without refresh") {
  TempDir dir;
  std::string path = dir.path() + "/x.lock";
  { std::ofstream(path) << "12345 some-other-host\n"; }
  LockOptions options;
  options.stale_after = std::chrono::seconds(120);
  CHECK(DotLock::acquire(path, options).status().code() == Code::kLocked);
  struct timespec old_times[2] = {{std::time(nullptr) - 300, 0}, {std::time(nullptr) - 300, 0}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), old_times, 0) == 0);
  CHECK(DotLock::acquire(path, options).ok());
}

TEST_CASE("refresh reports a lock broken by someone else") {
  TempDir dir;
  std::string path = dir.path() + "/x.lock";
  auto lock = DotLock::acquire(path);
  REQUIRE(lock.ok());
  CHECK(lock->refresh().ok());
  REQUIRE(unlink(path.c_str()) == 0);
  CHECK(lock->refresh().code() == Code::kNotFound);
}

TEST_CASE("acquire with wait succeeds once the holder releases") {
  TempDir dir;
  std::string path = dir.path() + "/w.lock";
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t child = fork();
  if (child == 0) {
    auto lock = DotLock::acquire(path);
    char c = lock.ok() ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    usleep(200 * 1000);
    (void)lock->release();
    _exit(0);
  }
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  LockOptions options;
  options.wait = std::chrono::milliseconds(3000);
  auto lock = DotLock::acquire(path, options);
  CHECK(lock.ok());
  waitpid(child, nullptr, 0);
}
