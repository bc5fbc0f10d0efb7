// Queue: durable enqueue, load, record, remove, cleanup of crash leftovers, failure injection.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "queue/queue.h"
#include "temp_dir.h"

using namespace tegami_queue;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Envelope envelope() {
  Envelope e;
  e.sender = "alice@example.jp";
  e.arrival = 1764000000;
  return e;
}

std::vector<Recipient> recipients(std::initializer_list<const char*> addrs) {
  std::vector<Recipient> out;
  for (const char* a : addrs) {
    Recipient r;
    r.address = a;
    out.push_back(r);
  }
  return out;
}

// Fails the n-th call of one kind of step.
class FailingEnv : public maildir::Env {
 public:
  int fail_fsync_at = -1, fail_rename_at = -1, fail_sync_dir_at = -1, fail_write_at = -1;
  int fsyncs = 0, renames = 0, sync_dirs = 0, writes = 0;
  maildir::Status fsync(int fd) override {
    if (fsyncs++ == fail_fsync_at) return maildir::from_errno(EIO, "fsync");
    return Env::fsync(fd);
  }
  maildir::Status write(int fd, const void* d, size_t n) override {
    if (writes++ == fail_write_at) return maildir::from_errno(ENOSPC, "write");
    return Env::write(fd, d, n);
  }
  maildir::Status rename(const std::string& a, const std::string& b,
                         maildir::RenameMode m) override {
    if (renames++ == fail_rename_at) return maildir::from_errno(EIO, "rename");
    return Env::rename(a, b, m);
  }
  maildir::Status sync_dir(const std::string& d) override {
    if (sync_dirs++ == fail_sync_dir_at) return maildir::from_errno(EIO, "sync_dir");
    return Env::sync_dir(d);
  }
};

}  // namespace

TEST_CASE("enqueue makes msg/ and env/, load reads it back, remove deletes both") {
  TempDir tmp;
  auto q = Queue::open(tmp.path() + "/queue");
  REQUIRE(q.ok());
  std::string msg = "Subject: hi\r\n\r\nbody\r\n.leading dot\r\n";
  auto id = (*q)->enqueue(envelope(), recipients({"bob@remote.example", "carol@far.example"}), msg);
  REQUIRE(id.ok());
  CHECK(valid_id(*id));
  CHECK(read((*q)->message_path(*id)) == msg);
  CHECK(*(*q)->read_message(*id) == msg);
  CHECK(*(*q)->message_size(*id) == msg.size());
  CHECK((*q)->read_message(*id, 5).status().code() == maildir::Code::kLimit);
  CHECK(names_in(tmp.path() + "/queue/tmp").empty());
  auto list = (*q)->list();
  REQUIRE(list.ok());
  CHECK(*list == std::vector<QueueId>{*id});
  auto entry = (*q)->load(*id);
  REQUIRE(entry.ok());
  CHECK(entry->envelope == envelope());
  CHECK(entry->recipients.size() == 2);
  CHECK((*q)->remove(*id).ok());
  CHECK((*q)->list()->empty());
  CHECK(names_in(tmp.path() + "/queue/msg").empty());
  CHECK((*q)->remove(*id).code() == maildir::Code::kNotFound);
  CHECK((*q)->load(*id).status().code() == maildir::Code::kNotFound);
}

TEST_CASE("record appends state that a later load (another process) sees") {
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  auto id = (*q)->enqueue(envelope(), recipients({"a@x.example", "b@y.example"}), "m\r\n");
  REQUIRE(id.ok());
  auto entry = (*q)->load(*id);
  REQUIRE(entry.ok());
  entry->recipients[1].state = RcptState::kDeferred;
  entry->recipients[1].attempts = 1;
  entry->recipients[1].next_attempt = 1764000300;
  entry->recipients[1].last_reply = "421 4.3.0 try later";
  REQUIRE((*q)->record(*entry, {1}).ok());
  auto q2 = Queue::open(tmp.path());
  REQUIRE(q2.ok());
  auto again = (*q2)->load(*id);
  REQUIRE(again.ok());
  CHECK(again->recipients == entry->recipients);
  CHECK_FALSE(again->done());
  entry->recipients[0].state = RcptState::kDelivered;
  entry->recipients[1].state = RcptState::kBounced;
  REQUIRE((*q)->record(*entry, {0, 1}).ok());
  CHECK((*q)->load(*id)->done());
}

TEST_CASE("many records compact the file and keep the latest state") {
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  auto id = (*q)->enqueue(envelope(), recipients({"a@x.example"}), "m\r\n");
  REQUIRE(id.ok());
  auto entry = (*q)->load(*id);
  REQUIRE(entry.ok());
  for (std::uint32_t i = 1; i <= 150; ++i) {
    entry->recipients[0].state = RcptState::kDeferred;
    entry->recipients[0].attempts = i;
    entry->recipients[0].last_reply = "451 4.4.1 attempt " + std::to_string(i);
    REQUIRE((*q)->record(*entry, {0}).ok());
  }
  CHECK(fs::file_size(tmp.path() + "/env/" + *id) < 160 * 21);
  auto again = (*q)->load(*id);
  REQUIRE(again.ok());
  CHECK(again->recipients == entry->recipients);
  CHECK(names_in(tmp.path() + "/tmp").empty());
}

TEST_CASE("open removes tmp files and messages without an envelope") {
  TempDir tmp;
  {
    auto q = Queue::open(tmp.path());
    REQUIRE(q.ok());
    REQUIRE((*q)->enqueue(envelope(), recipients({"a@x.example"}), "kept\r\n").ok());
  }
  std::ofstream(tmp.path() + "/tmp/123.M1P1Q1.host.msg") << "half";
  std::ofstream(tmp.path() + "/msg/123.M1P1Q2.host") << "orphan";
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  CHECK(names_in(tmp.path() + "/tmp").empty());
  CHECK(names_in(tmp.path() + "/msg").size() == 1);
  REQUIRE((*q)->list()->size() == 1);
  CHECK(*(*q)->read_message((*q)->list()->at(0)) == "kept\r\n");
}

TEST_CASE("a failure at any step of enqueue leaves nothing behind") {
  for (int step = 0; step < 4; ++step) {
    for (int kind = 0; kind < 4; ++kind) {
      CAPTURE(step);
      CAPTURE(kind);
      TempDir tmp;
      FailingEnv env;
      QueueOptions o;
      o.env = &env;
      auto q = Queue::open(tmp.path(), o);
      REQUIRE(q.ok());
      if (kind == 0) env.fail_fsync_at = step;
      if (kind == 1) env.fail_rename_at = step;
      if (kind == 2) env.fail_sync_dir_at = step;
      if (kind == 3) env.fail_write_at = step;
      auto id = (*q)->enqueue(envelope(), recipients({"a@x.example"}), "m\r\n");
      // Two fsyncs, two directory syncs, two file writes, one rename (msg/ is written in place).
      bool should_fail = (kind == 0 && step < 2) || (kind == 1 && step < 1) ||
                         (kind == 2 && step < 2) || (kind == 3 && step < 2);
      CHECK(id.ok() == !should_fail);
      if (!id.ok()) {
        CHECK(names_in(tmp.path() + "/tmp").empty());
        CHECK(names_in(tmp.path() + "/msg").empty());
        CHECK(names_in(tmp.path() + "/env").empty());
      }
    }
  }
}

TEST_CASE("ids from outside are checked before they become paths") {
  CHECK_FALSE(valid_id(""));
  CHECK_FALSE(valid_id("../etc/passwd"));
  CHECK_FALSE(valid_id("a/b"));
  CHECK_FALSE(valid_id(".hidden"));
  CHECK_FALSE(valid_id("a b"));
  CHECK(valid_id("1764000000.M1P2Q3.mx1"));
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  CHECK((*q)->load("../x").status().code() == maildir::Code::kNotFound);
  CHECK((*q)->remove("../x").code() == maildir::Code::kNotFound);
}

TEST_CASE("enqueue refuses an entry without recipients") {
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  CHECK((*q)->enqueue(envelope(), {}, "m").status().code() == maildir::Code::kInvalidArgument);
  CHECK(names_in(tmp.path() + "/msg").empty());
}
