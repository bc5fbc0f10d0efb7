// Several processes (and threads) deliver, expunge and recalculate at once; at the end the
// totals in maildirsize must equal an independent recount of the files.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "maildir/delivery.h"
#include "maildir/quota.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace maildir;

namespace {

void make_folder(const std::string& dir) {
  for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(fs::path(dir) / sub);
}

// Sums the real file sizes (not the names) in new/ and cur/ of the root and of .Sent.
std::pair<std::int64_t, std::int64_t> recount(const std::string& root) {
  std::int64_t bytes = 0, count = 0;
  for (const std::string& f : {root, root + "/.Sent"}) {
    for (const char* sub : {"/new", "/cur"}) {
      for (const auto& e : fs::directory_iterator(f + sub)) {
        bytes += static_cast<std::int64_t>(e.file_size());
        ++count;
      }
    }
  }
  return {bytes, count};
}

MaildirSize read_maildirsize(const std::string& root) {
  std::ifstream in(root + "/maildirsize", std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_maildirsize(ss.str());
}

// One worker: `n` deliveries of random sizes into INBOX or .Sent, expunging every third of its
// own messages again, reading the usage now and then (which recalculates once the file passes
// 5120 bytes) and, for worker 0, forcing a recalculation every 25 deliveries.
// Returns false on any unexpected error.
bool work(const std::string& root, int worker, int n) {
  QuotaOptions qo;
  qo.limit = QuotaLimit::megabytes(1024);
  Quota quota(root, qo);
  DeliveryOptions d;
  d.quota = &quota;
  std::mt19937 rng(static_cast<unsigned>(worker * 7919 + 1));
  std::vector<Delivered> mine;
  for (int i = 0; i < n; ++i) {
    std::string msg = "Subject: w" + std::to_string(worker) + "\r\n\r\n";
    msg += std::string(std::uniform_int_distribution<size_t>(1, 3000)(rng), 'a' + worker % 26);
    msg += "\r\n";
    const std::string folder = (i % 4 == 3) ? root + "/.Sent" : root;
    Result<Delivered> r = deliver_bytes(folder, msg, d);
    if (!r.ok()) return false;
    mine.push_back(*r);
    if (i % 3 == 2) {
      size_t pick = std::uniform_int_distribution<size_t>(0, mine.size() - 1)(rng);
      Delivered victim = mine[pick];
      mine.erase(mine.begin() + static_cast<long>(pick));
      Status st = quota.update(-static_cast<std::int64_t>(victim.size), -1,
                               [&] { return Env::posix().unlink(victim.path); });
      if (!st.ok()) return false;
    }
    if (i % 10 == 0 && !quota.usage().ok()) return false;
    if (worker == 0 && i % 25 == 24 && !quota.recalculate().ok()) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("processes delivering, expunging and recalculating at once keep exact totals") {
  TempDir t;
  const std::string root = t.path();
  make_folder(root);
  make_folder(root + "/.Sent");
  const int kProcs = 6, kEach = 120;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) _exit(work(root, p, kEach) ? 0 : 1);
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto [bytes, count] = recount(root);
  CHECK(count == kProcs * (kEach - kEach / 3));
  MaildirSize ms = read_maildirsize(root);
  CHECK(ms.valid);
  CHECK(ms.bytes == bytes);
  CHECK(ms.count == count);
  CHECK(fs::is_empty(root + "/tmp"));
  CHECK(fs::is_empty(root + "/.Sent/tmp"));
}

TEST_CASE("threads delivering, expunging and recalculating at once keep exact totals") {
  TempDir t;
  const std::string root = t.path();
  make_folder(root);
  make_folder(root + "/.Sent");
  const int kThreads = 8, kEach = 60;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { ok[i] = work(root, i, kEach) ? 1 : 0; });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < kThreads; ++i) CHECK(ok[i] == 1);
  auto [bytes, count] = recount(root);
  CHECK(count == kThreads * (kEach - kEach / 3));
  MaildirSize ms = read_maildirsize(root);
  CHECK(ms.valid);
  CHECK(ms.bytes == bytes);
  CHECK(ms.count == count);
}
