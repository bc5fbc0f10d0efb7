// The queue manager on a hand-driven executor: start-up scan, local delivery, remote
// recipients waiting for a transport, transport outcomes (delivered / deferred with the
// schedule / bounced with a DSN to a local sender), expiry, no DSN for a DSN.
#include <doctest/doctest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

#include "../delivery/config_fixture.h"
#include "queue/manager.h"
#include "temp_dir.h"

using namespace tegami_queue;
namespace fs = std::filesystem;

namespace {

// post() and run_blocking() queue work that drain() runs in order; timers only fire on demand.
class FakeExecutor : public Executor {
 public:
  void post(std::function<void()> fn) override { tasks.push_back(std::move(fn)); }
  void run_blocking(std::function<void()> work, std::function<void()> done) override {
    tasks.push_back([work = std::move(work), done = std::move(done)] {
      work();
      done();
    });
  }
  void after(std::chrono::milliseconds, std::function<void()> fn) override {
    timers.push_back(std::move(fn));
  }
  void drain() {
    for (int guard = 0; !tasks.empty() && guard < 10000; ++guard) {
      auto fn = std::move(tasks.front());
      tasks.pop_front();
      fn();
    }
  }
  void fire_timers() {
    auto t = std::move(timers);
    timers.clear();
    for (auto& fn : t) fn();
    drain();
  }
  std::deque<std::function<void()>> tasks;
  std::vector<std::function<void()>> timers;
};

// Answers every job with the outcome the test chose; records what it was given.
class FakeTransport : public RemoteTransport {
 public:
  void deliver(const DeliveryJob& job, std::function<void(std::vector<Outcome>)> done) override {
    jobs.push_back(job);
    std::vector<Outcome> out(job.recipients.size(), outcome);
    done(std::move(out));
  }
  Outcome outcome{Outcome::Kind::kDelivered, "250 2.0.0 Ok: queued", "mx.remote.example"};
  std::vector<DeliveryJob> jobs;
};

struct Fixture {
  TempDir tmp;
  tegami::config::Config config = make_config(tmp.path() + "/mail");
  std::unique_ptr<Queue> queue;
  FakeExecutor exec;
  std::int64_t clock = 1764000000;
  std::unique_ptr<Manager> manager;

  Fixture() {
    fs::create_directories(tmp.path() + "/mail/example.jp");
    queue = std::move(Queue::open(tmp.path() + "/queue")).value();
  }
  void start() {
    ManagerOptions o;
    o.queue = queue.get();
    o.executor = &exec;
    auto snapshot = std::make_shared<const tegami::config::Config>(config);
    o.config = [snapshot] { return snapshot; };
    o.now = [this] { return clock; };
    manager = std::make_unique<Manager>(std::move(o));
    manager->start();
    exec.drain();
  }
  QueueId enqueue(const std::string& sender, std::vector<std::string> rcpts) {
    Envelope e;
    e.sender = sender;
    e.arrival = clock;
    std::vector<Recipient> rs;
    for (auto& a : rcpts) {
      Recipient r;
      r.address = a;
      rs.push_back(r);
    }
    return *queue->enqueue(e, rs, "Subject: queued\r\n\r\nhello\r\n");
  }
  std::size_t inbox(const std::string& user) {
    std::string dir = tmp.path() + "/mail/example.jp/" + user + "/new";
    if (!fs::exists(dir)) return 0;
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
  }
};

}  // namespace

TEST_CASE("entries queued before start are found by the scan and delivered locally") {
  Fixture f;
  f.enqueue("someone@remote.example", {"bob@example.jp", "alice@example.jp"});
  f.start();
  CHECK(f.inbox("bob") == 1);
  CHECK(f.inbox("alice") == 1);
  CHECK(f.queue->list()->empty());
  CHECK(f.manager->stats().delivered == 2);
}

TEST_CASE("remote recipients wait for a transport, then go to it grouped by domain") {
  Fixture f;
  QueueId id = f.enqueue("alice@example.jp", {"x@remote.example", "bob@example.jp",
                                              "y@REMOTE.example", "z@far.example"});
  f.start();
  CHECK(f.inbox("bob") == 1);
  auto entry = f.queue->load(id);
  REQUIRE(entry.ok());
  CHECK(entry->recipients[1].state == RcptState::kDelivered);
  CHECK(entry->recipients[0].state == RcptState::kPending);
  CHECK(f.exec.tasks.empty());  // nothing spins while no transport exists

  auto t = std::make_shared<FakeTransport>();
  f.manager->set_transport(t);
  f.exec.drain();
  REQUIRE(t->jobs.size() == 2);
  std::map<std::string, std::size_t> sizes;
  for (const DeliveryJob& j : t->jobs) {
    sizes[j.domain] = j.recipients.size();
    CHECK(j.message_path == f.queue->dir() + "/env/" + id);
    CHECK(j.message_size == std::string("Subject: queued\r\n\r\nhello\r\n").size());
    CHECK(j.envelope.sender == "alice@example.jp");
  }
  CHECK(sizes["remote.example"] == 2);
  CHECK(sizes["far.example"] == 1);
  CHECK(f.queue->list()->empty());  // every recipient final: removed
  CHECK(f.inbox("bob") == 1);       // the local copy was not made again
}

TEST_CASE("a transport registered while a pass without one runs gets its remote recipients") {
  // The daemon starts the manager first and registers the transport a moment later: the
  // start-up pass over an entry may begin without a transport and end after it exists.
  Fixture f;
  QueueId id = f.enqueue("alice@example.jp", {"x@remote.example"});
  ManagerOptions o;
  o.queue = f.queue.get();
  o.executor = &f.exec;
  auto snapshot = std::make_shared<const tegami::config::Config>(f.config);
  o.config = [snapshot] { return snapshot; };
  o.now = [&f] { return f.clock; };
  f.manager = std::make_unique<Manager>(std::move(o));
  f.manager->start();
  // Run the scan and queue the pass over the entry, but not the pass itself.
  auto scan = std::move(f.exec.tasks.front());
  f.exec.tasks.pop_front();
  scan();
  REQUIRE(f.exec.tasks.size() == 1);  // the pass, started without a transport
  auto t = std::make_shared<FakeTransport>();
  f.manager->set_transport(t);
  f.exec.drain();
  REQUIRE(t->jobs.size() == 1);
  CHECK(t->jobs[0].recipients[0].address == "x@remote.example");
  CHECK(f.queue->list()->empty());
  (void)id;
}

TEST_CASE("a deferral is recorded with the schedule's next attempt and retried when due") {
  Fixture f;
  QueueId id = f.enqueue("alice@example.jp", {"x@remote.example"});
  auto t = std::make_shared<FakeTransport>();
  t->outcome = {Outcome::Kind::kDeferred, "451 4.7.1 Greylisted", "mx.remote.example"};
  f.start();
  f.manager->set_transport(t);
  f.exec.drain();
  REQUIRE(t->jobs.size() == 1);
  auto e = f.queue->load(id);
  REQUIRE(e.ok());
  CHECK(e->recipients[0].state == RcptState::kDeferred);
  CHECK(e->recipients[0].attempts == 1);
  CHECK(e->recipients[0].next_attempt == f.clock + 300);
  CHECK(e->recipients[0].last_reply == "451 4.7.1 Greylisted");
  f.exec.fire_timers();
  CHECK(t->jobs.size() == 1);  // not due yet
  f.clock += 301;
  t->outcome = {Outcome::Kind::kDelivered, "250 ok", "mx.remote.example"};
  f.exec.fire_timers();
  CHECK(t->jobs.size() == 2);
  CHECK(f.queue->list()->empty());
}

TEST_CASE("a bounce queues a failure DSN that reaches a local sender's INBOX") {
  Fixture f;
  f.enqueue("alice@example.jp", {"x@remote.example"});
  auto t = std::make_shared<FakeTransport>();
  t->outcome = {Outcome::Kind::kBounced, "550 5.1.1 <x@remote.example>: no such user",
                "mx.remote.example"};
  f.start();
  f.manager->set_transport(t);
  f.exec.drain();
  CHECK(f.queue->list()->empty());
  CHECK(f.inbox("alice") == 1);  // the DSN
  CHECK(f.manager->stats().bounced == 1);
  std::string dir = f.tmp.path() + "/mail/example.jp/alice/new";
  std::string path = fs::directory_iterator(dir)->path().string();
  std::ifstream in(path, std::ios::binary);
  std::string dsn((std::istreambuf_iterator<char>(in)), {});
  CHECK(dsn.find("Return-Path: <>") == 0);
  CHECK(dsn.find("Remote-MTA: dns; mx.remote.example") != std::string::npos);
  CHECK(dsn.find("Diagnostic-Code: smtp; 550 5.1.1 <x@remote.example>: no such user") !=
        std::string::npos);
  CHECK(dsn.find("Status: 5.1.1") != std::string::npos);
}

TEST_CASE("a bounced DSN makes no DSN, and a null sender gets none") {
  Fixture f;
  f.enqueue("", {"x@remote.example"});
  auto t = std::make_shared<FakeTransport>();
  t->outcome = {Outcome::Kind::kBounced, "550 5.1.1 no", "mx"};
  f.start();
  f.manager->set_transport(t);
  f.exec.drain();
  CHECK(f.queue->list()->empty());
  CHECK(t->jobs.size() == 1);
}

TEST_CASE("local refusals: unknown user bounces to the sender, expiry bounces a deferral") {
  Fixture f;
  f.enqueue("alice@example.jp", {"nobody@example.jp"});
  f.start();
  CHECK(f.queue->list()->empty());
  CHECK(f.inbox("alice") == 1);  // DSN for nobody@

  QueueId id = f.enqueue("bob@example.jp", {"x@remote.example"});
  auto t = std::make_shared<FakeTransport>();
  t->outcome = {Outcome::Kind::kDeferred, "421 4.4.2 timeout", "mx"};
  f.manager->set_transport(t);
  f.manager->notify_enqueued(id);
  f.exec.drain();
  REQUIRE(f.queue->load(id).ok());
  f.clock += 6 * 24 * 3600;  // past the default 5 days
  f.exec.fire_timers();
  CHECK(f.queue->list()->empty());
  CHECK(f.inbox("bob") == 1);  // the failure DSN
}

TEST_CASE("a delay notice is sent once after four hours") {
  Fixture f;
  QueueId id = f.enqueue("bob@example.jp", {"x@remote.example"});
  auto t = std::make_shared<FakeTransport>();
  t->outcome = {Outcome::Kind::kDeferred, "451 4.3.0 later", "mx"};
  f.start();
  f.manager->set_transport(t);
  f.exec.drain();
  CHECK(f.inbox("bob") == 0);
  f.clock += 4 * 3600 + 1;
  f.exec.fire_timers();
  CHECK(f.inbox("bob") == 1);
  CHECK(f.queue->load(id)->recipients[0].delay_notified);
  f.clock += 4 * 3600;
  f.exec.fire_timers();
  CHECK(f.inbox("bob") == 1);
}

TEST_CASE("NOTIFY=SUCCESS: a local final delivery from the queue sends a delivered DSN") {
  Fixture f;
  Envelope e;
  e.sender = "alice@example.jp";
  e.arrival = f.clock;
  Recipient r;
  r.address = "bob@example.jp";
  r.has_notify = true;
  r.notify = tegami_smtp::kNotifySuccess;
  REQUIRE(f.queue->enqueue(e, {r}, "Subject: x\r\n\r\nx\r\n").ok());
  f.start();
  CHECK(f.inbox("bob") == 1);
  CHECK(f.inbox("alice") == 1);  // the success DSN
  CHECK(f.queue->list()->empty());
}

TEST_CASE("NOTIFY=SUCCESS relayed to a server without DSN: a relayed DSN; with DSN: none") {
  for (bool dsn_passed : {false, true}) {
    CAPTURE(dsn_passed);
    Fixture f;
    Envelope e;
    e.sender = "alice@example.jp";
    e.arrival = f.clock;
    Recipient success;
    success.address = "x@remote.example";
    success.has_notify = true;
    success.notify = tegami_smtp::kNotifySuccess | tegami_smtp::kNotifyFailure;
    Recipient plain;  // no NOTIFY: failures only, never a success report
    plain.address = "y@remote.example";
    REQUIRE(f.queue->enqueue(e, {success, plain}, "Subject: x\r\n\r\nx\r\n").ok());
    auto t = std::make_shared<FakeTransport>();
    t->outcome = {Outcome::Kind::kDelivered, "250 2.0.0 Ok: queued", "mx.remote.example",
                  dsn_passed};
    f.start();
    f.manager->set_transport(t);
    f.exec.drain();
    CHECK(f.queue->list()->empty());
    REQUIRE(f.inbox("alice") == (dsn_passed ? 0u : 1u));
    if (dsn_passed) continue;
    std::string dir = f.tmp.path() + "/mail/example.jp/alice/new";
    std::ifstream in(fs::directory_iterator(dir)->path().string(), std::ios::binary);
    std::string dsn((std::istreambuf_iterator<char>(in)), {});
    CHECK(dsn.find("Action: relayed") != std::string::npos);
    CHECK(dsn.find("Final-Recipient: rfc822; x@remote.example") != std::string::npos);
    CHECK(dsn.find("y@remote.example") == std::string::npos);
    CHECK(dsn.find("Remote-MTA: dns; mx.remote.example") != std::string::npos);
    CHECK(dsn.find("Status: 2.0.0") != std::string::npos);
  }
}

// Holds every job until the test answers it (a delivery in progress).
class HoldingTransport : public RemoteTransport {
 public:
  void deliver(const DeliveryJob& job, std::function<void(std::vector<Outcome>)> done) override {
    jobs.push_back(job);
    pending.push_back(std::move(done));
  }
  void answer_all(Outcome o) {
    auto p = std::move(pending);
    pending.clear();
    for (std::size_t i = 0; i < p.size(); ++i)
      p[i](std::vector<Outcome>(jobs[jobs.size() - p.size() + i].recipients.size(), o));
  }
  std::vector<DeliveryJob> jobs;
  std::vector<std::function<void(std::vector<Outcome>)>> pending;
};

TEST_CASE("retry and flush try deferred recipients before their next attempt") {
  Fixture f;
  QueueId a = f.enqueue("alice@example.jp", {"x@remote.example"});
  QueueId b = f.enqueue("alice@example.jp", {"y@far.example"});
  auto t = std::make_shared<FakeTransport>();
  t->outcome = {Outcome::Kind::kDeferred, "451 4.7.1 Greylisted", "mx"};
  f.start();
  f.manager->set_transport(t);
  f.exec.drain();
  REQUIRE(t->jobs.size() == 2);
  f.exec.fire_timers();
  CHECK(t->jobs.size() == 2);  // both deferred for 5 minutes
  t->outcome = {Outcome::Kind::kDelivered, "250 ok", "mx"};
  f.manager->retry(a);
  f.exec.drain();
  REQUIRE(t->jobs.size() == 3);
  CHECK(t->jobs[2].id == a);
  CHECK_FALSE(f.queue->exists(a));
  CHECK(f.queue->exists(b));
  f.manager->flush();
  f.exec.drain();
  REQUIRE(t->jobs.size() == 4);
  CHECK(t->jobs[3].id == b);
  CHECK(f.queue->list()->empty());
}

TEST_CASE("delete waits for a delivery in progress, then removes the entry without a DSN") {
  Fixture f;
  QueueId id = f.enqueue("alice@example.jp", {"x@remote.example"});
  QueueId idle = f.enqueue("alice@example.jp", {"y@far.example"});
  auto t = std::make_shared<HoldingTransport>();
  f.start();
  f.manager->set_transport(t);
  f.exec.drain();
  REQUIRE(t->jobs.size() == 2);
  t->answer_all({Outcome::Kind::kDeferred, "451 4.7.1 later", "mx"});
  f.exec.drain();
  // `id` is being delivered (held) when the admin deletes it.
  f.manager->retry(id);
  f.exec.drain();
  REQUIRE(t->jobs.size() == 3);
  f.manager->remove(id);
  f.exec.drain();
  CHECK(f.queue->exists(id));  // the transport still uses the message file
  CHECK(fs::exists(f.queue->dir() + "/env/" + id));
  t->answer_all({Outcome::Kind::kBounced, "550 5.1.1 no such user", "mx"});
  f.exec.drain();
  CHECK_FALSE(f.queue->exists(id));
  CHECK_FALSE(fs::exists(f.queue->dir() + "/env/" + id));
  // An idle entry goes at once; nothing else was queued (the bounce recorded before the delete
  // queued its DSN to the local sender, which the manager delivers).
  f.manager->remove(idle);
  f.exec.drain();
  CHECK_FALSE(f.queue->exists(idle));
  CHECK(f.queue->list()->empty());
}
