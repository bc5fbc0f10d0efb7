// Queue: durable enqueue, load, record, remove, cleanup of crash leftovers, failure injection.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

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

TEST_CASE("enqueue writes one file in env/, load reads it back, remove deletes it") {
  TempDir tmp;
  auto q = Queue::open(tmp.path() + "/queue");
  REQUIRE(q.ok());
  CHECK_FALSE(fs::exists(tmp.path() + "/queue/msg"));
  std::string msg = "Subject: hi\r\n\r\nbody\r\n.leading dot\r\nend\nmessage 3\n";
  auto id = (*q)->enqueue(envelope(), recipients({"bob@remote.example", "carol@far.example"}), msg);
  REQUIRE(id.ok());
  CHECK(valid_id(*id));
  CHECK(names_in(tmp.path() + "/queue/tmp").empty());
  std::string file = read(tmp.path() + "/queue/env/" + *id);
  CHECK(file.rfind("tegami-queue 2\n", 0) == 0);
  CHECK(file.find("\nend\nmessage " + std::to_string(msg.size()) + "\n" + msg) !=
        std::string::npos);
  auto list = (*q)->list();
  REQUIRE(list.ok());
  CHECK(*list == std::vector<QueueId>{*id});
  auto entry = (*q)->load(*id);
  REQUIRE(entry.ok());
  CHECK(entry->version == 2);
  CHECK(entry->envelope == envelope());
  CHECK(entry->recipients.size() == 2);
  CHECK(entry->message_file == tmp.path() + "/queue/env/" + *id);
  CHECK(entry->message_size == msg.size());
  CHECK(file.substr(entry->message_offset, entry->message_size) == msg);
  CHECK(*(*q)->read_message(*entry) == msg);
  CHECK((*q)->read_message(*entry, 5).status().code() == maildir::Code::kLimit);
  CHECK((*q)->remove(*id).ok());
  CHECK((*q)->list()->empty());
  CHECK((*q)->remove(*id).code() == maildir::Code::kNotFound);
  CHECK((*q)->load(*id).status().code() == maildir::Code::kNotFound);
}

TEST_CASE("a large message and many recipients: state appended after the message") {
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  std::string big(300 * 1024, 'x');  // above the one-write size
  for (std::size_t i = 0; i < big.size(); i += 100) big[i] = '\n';
  std::vector<Recipient> rs;
  for (int i = 0; i < 2000; ++i) {
    Recipient r;
    r.address = "member" + std::to_string(i) + "@far.example";
    rs.push_back(r);
  }
  rs[1999].state = RcptState::kDeferred;  // a state line written with the entry
  rs[1999].attempts = 1;
  auto id = (*q)->enqueue(envelope(), rs, std::vector<std::string_view>{"Received: x\r\n", big});
  REQUIRE(id.ok());
  auto entry = (*q)->load(*id);
  REQUIRE(entry.ok());
  CHECK(entry->recipients == rs);
  CHECK(*(*q)->read_message(*entry) == "Received: x\r\n" + big);
  entry->recipients[7].state = RcptState::kDelivered;
  REQUIRE((*q)->record(*entry, {7}).ok());
  auto again = (*q)->load(*id);
  REQUIRE(again.ok());
  CHECK(again->recipients == entry->recipients);
  CHECK(*(*q)->read_message(*again) == "Received: x\r\n" + big);
}

TEST_CASE("a truncated entry file is corrupt, never a shorter message") {
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  auto id = (*q)->enqueue(envelope(), recipients({"a@x.example"}), std::string(5000, 'm'));
  REQUIRE(id.ok());
  const std::string path = tmp.path() + "/env/" + *id;
  fs::resize_file(path, fs::file_size(path) - 10);
  CHECK((*q)->load(*id).status().code() == maildir::Code::kCorrupt);
}

// What tegami before version 2 left: env/<id> with the envelope only, msg/<id> the message.
void write_version1(const std::string& dir, const std::string& id, const std::string& message,
                    const std::string& states) {
  fs::create_directories(dir + "/msg");
  fs::create_directories(dir + "/tmp");
  fs::create_directories(dir + "/env");
  std::ofstream(dir + "/msg/" + id, std::ios::binary) << message;
  std::ofstream(dir + "/env/" + id, std::ios::binary)
      << "tegami-queue 1\narrival 1764000000\nsender alice@example.jp\n"
         "rcpt a@x.example - -\nrcpt b@y.example failure rfc822;B@y.example\nend\n"
      << states;
}

TEST_CASE("open migrates version 1 entries (env/ + msg/) to one file each") {
  TempDir tmp;
  write_version1(tmp.path(), "1764000000.M1P1Q1.old", "Subject: old\r\n\r\nkept\r\n",
                 "state 0 deferred 2 1764000600 - mx.x.example 451+204.7.1+20later\n");
  write_version1(tmp.path(), "1764000000.M1P1Q2.old", "second\r\n", "");
  std::ofstream(tmp.path() + "/msg/1764000000.M1P1Q3.orphan") << "no envelope";
  {
    // A reader that does not own the queue sees version 1 as it is.
    auto a = Queue::attach(tmp.path());
    REQUIRE(a.ok());
    auto e = (*a)->load("1764000000.M1P1Q1.old");
    REQUIRE(e.ok());
    CHECK(e->version == 1);
    CHECK(*(*a)->read_message(*e) == "Subject: old\r\n\r\nkept\r\n");
  }
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  CHECK_FALSE(fs::exists(tmp.path() + "/msg"));
  REQUIRE((*q)->list()->size() == 2);
  auto e = (*q)->load("1764000000.M1P1Q1.old");
  REQUIRE(e.ok());
  CHECK(e->version == 2);
  CHECK(e->recipients[0].state == RcptState::kDeferred);
  CHECK(e->recipients[0].attempts == 2);
  CHECK(e->recipients[0].last_reply == "451 4.7.1 later");
  CHECK(e->recipients[1].orcpt == "rfc822;B@y.example");
  CHECK(*(*q)->read_message(*e) == "Subject: old\r\n\r\nkept\r\n");
  auto e2 = (*q)->load("1764000000.M1P1Q2.old");
  REQUIRE(e2.ok());
  CHECK(*(*q)->read_message(*e2) == "second\r\n");
}

TEST_CASE("a version 1 entry compacted by record becomes one file") {
  TempDir tmp;
  write_version1(tmp.path(), "1764000000.M1P1Q1.old", "m\r\n", "");
  auto q = Queue::attach(tmp.path());  // as `tegami queue` with tegamid stopped
  REQUIRE(q.ok());
  auto entry = (*q)->load("1764000000.M1P1Q1.old");
  REQUIRE(entry.ok());
  for (std::uint32_t i = 1; i <= 400; ++i) {
    entry->recipients[0].attempts = i;
    entry->recipients[0].state = RcptState::kDeferred;
    REQUIRE((*q)->record(*entry, {0}).ok());
    if (entry->version == 1 && !fs::exists(tmp.path() + "/msg/" + entry->id)) break;
  }
  CHECK_FALSE(fs::exists(tmp.path() + "/msg/" + entry->id));
  auto again = (*q)->load(entry->id);
  REQUIRE(again.ok());
  CHECK(again->version == 2);
  CHECK(again->recipients == entry->recipients);
  CHECK(*(*q)->read_message(*again) == "m\r\n");
}

TEST_CASE("concurrent enqueues share directory fsyncs (group commit)") {
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  constexpr int kThreads = 8, kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i)
        if ((*q)->enqueue(envelope(), recipients({"a@x.example"}), "m\r\n").ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == kThreads * kEach);
  CHECK((*q)->list()->size() == kThreads * kEach);
  // Never more than one fsync per entry; fewer whenever two threads met.
  CHECK((*q)->dir_syncs() <= static_cast<std::uint64_t>(kThreads * kEach));
  MESSAGE("directory fsyncs for ", kThreads * kEach, " entries: ", (*q)->dir_syncs());
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
  CHECK(fs::file_size(tmp.path() + "/env/" + *id) < 160 * 21 + 3);
  auto again = (*q)->load(*id);
  REQUIRE(again.ok());
  CHECK(again->recipients == entry->recipients);
  CHECK(names_in(tmp.path() + "/tmp").empty());
}

TEST_CASE("open removes tmp files") {
  TempDir tmp;
  {
    auto q = Queue::open(tmp.path());
    REQUIRE(q.ok());
    REQUIRE((*q)->enqueue(envelope(), recipients({"a@x.example"}), "kept\r\n").ok());
  }
  std::ofstream(tmp.path() + "/tmp/123.M1P1Q1.host") << "half";
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  CHECK(names_in(tmp.path() + "/tmp").empty());
  REQUIRE((*q)->list()->size() == 1);
  auto e = (*q)->load((*q)->list()->at(0));
  REQUIRE(e.ok());
  CHECK(*(*q)->read_message(*e) == "kept\r\n");
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
      // One write, one fsync, one rename, one directory sync.
      bool should_fail = (kind == 0 && step < 1) || (kind == 1 && step < 1) ||
                         (kind == 2 && step < 1) || (kind == 3 && step < 1);
      CHECK(id.ok() == !should_fail);
      if (!id.ok()) {
        CHECK(names_in(tmp.path() + "/tmp").empty());
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
  CHECK(names_in(tmp.path() + "/env").empty());
}

TEST_CASE("removed entries' files are reused by the next enqueue (no new inode)") {
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  auto a = (*q)->enqueue(envelope(), recipients({"a@x.example"}), std::string(9000, 'a'));
  REQUIRE(a.ok());
  struct stat before {};
  REQUIRE(::stat((tmp.path() + "/env/" + *a).c_str(), &before) == 0);
  REQUIRE((*q)->remove(*a).ok());
  CHECK_FALSE((*q)->exists(*a));
  CHECK(names_in(tmp.path() + "/free").size() == 1);
  auto b = (*q)->enqueue(envelope(), recipients({"b@y.example"}), "short\r\n");
  REQUIRE(b.ok());
  struct stat after {};
  REQUIRE(::stat((tmp.path() + "/env/" + *b).c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(names_in(tmp.path() + "/free").empty());
  auto e = (*q)->load(*b);
  REQUIRE(e.ok());
  CHECK(e->recipients[0].address == "b@y.example");
  CHECK(*(*q)->read_message(*e) == "short\r\n");  // nothing of the longer old message left
  // A crash leftover in tmp/ becomes a spare at the next open.
  std::ofstream(tmp.path() + "/tmp/123.M1P1Q9.host") << "half written";
  auto q2 = Queue::open(tmp.path());
  REQUIRE(q2.ok());
  CHECK(names_in(tmp.path() + "/tmp").empty());
  CHECK(names_in(tmp.path() + "/free") == std::vector<std::string>{"123.M1P1Q9.host"});
  auto c = (*q2)->enqueue(envelope(), recipients({"c@z.example"}), "m\r\n");
  REQUIRE(c.ok());
  CHECK(names_in(tmp.path() + "/free").empty());
  CHECK(*(*q2)->read_message(*(*q2)->load(*c)) == "m\r\n");
}

TEST_CASE("large files are not kept for reuse") {
  TempDir tmp;
  auto q = Queue::open(tmp.path());
  REQUIRE(q.ok());
  auto big = (*q)->enqueue(envelope(), recipients({"a@x.example"}), std::string(300 * 1024, 'b'));
  auto small = (*q)->enqueue(envelope(), recipients({"a@x.example"}), "small\r\n");
  REQUIRE(big.ok());
  REQUIRE(small.ok());
  REQUIRE((*q)->remove(*big).ok());
  CHECK(names_in(tmp.path() + "/free").empty());
  REQUIRE((*q)->remove(*small).ok());
  CHECK(names_in(tmp.path() + "/free") == std::vector<std::string>{*small});
  CHECK((*q)->remove(*small).code() == maildir::Code::kNotFound);
}
