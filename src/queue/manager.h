// The queue manager: takes due queue entries and delivers them, inside tegamid.
//
// It runs on one loop thread (the Executor: the daemon gives it a net::Worker's loop) and does
// every disk step (list, load, local delivery, record, remove, DSN enqueue) as blocking work on
// the executor's thread pool, never on the loop. For each due entry:
//   - recipients that resolve (with the current config snapshot) to local mailboxes are
//     delivered with tegami_delivery::deliver_local; an external alias target found then is
//     added to the entry's remote recipients by a new queue entry;
//   - remote recipients are grouped by domain and handed to the RemoteTransport when one is
//     registered (transport.h); without one they stay queued, untouched;
//   - outcomes are recorded (Queue::record); a temporary failure asks the Schedule for the
//     next attempt (or expiry → bounce); a permanent failure queues a failure DSN (dsn.h) to
//     the sender when NOTIFY allows and the sender is not null; a Schedule-approved delay
//     notice queues a "delayed" DSN;
//   - the entry is removed when every recipient is final.
// At start() the whole queue is scanned, so nothing queued is forgotten after a crash.
// An entry is worked on by one job at a time; after every pass the manager sleeps until the
// earliest next_attempt (at most kMaxSleep), or until notify_enqueued()/flush().
//
// Threading: construct, start(), stop(), set_transport() on the loop thread; notify_enqueued()
// and flush() from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "queue/queue.h"
#include "queue/transport.h"

namespace tegami_queue {

// Where the manager runs. net::Worker has this shape; the daemon adapts one to it.
class Executor {
 public:
  virtual ~Executor() = default;
  // Thread-safe: run `fn` on the loop thread soon.
  virtual void post(std::function<void()> fn) = 0;
  // Loop thread only: `work` on a pool thread, then `done` on the loop thread.
  virtual void run_blocking(std::function<void()> work, std::function<void()> done) = 0;
  // Loop thread only: one-shot timer.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
};

// The retry policy (issue 8 owns its numbers and config; these are its defaults). Pure.
class Schedule {
 public:
  virtual ~Schedule() = default;
  // After a temporary failure of `r` (r.attempts already counts it): when to try again, or
  // nullopt when the message has been queued too long (the recipient bounces).
  // Default: 5 min, doubling per attempt (5, 10, 20, 40 min ...) up to 4 h between attempts;
  // nullopt once arrival + 5 days has passed.
  virtual std::optional<std::int64_t> next_attempt(const Envelope& e, const Recipient& r,
                                                   std::int64_t now) const;
  // Whether a "delayed" DSN is due now for `r` (still not final). Default: queued for 4 h or
  // more, not notified yet, and NOTIFY asks for DELAY (or NOTIFY was not given).
  virtual bool delay_notice_due(const Envelope& e, const Recipient& r, std::int64_t now) const;
  // When the last attempt will be made (Will-Retry-Until of a "delayed" DSN). Default:
  // arrival + 5 days.
  virtual std::int64_t retry_until(const Envelope& e) const;
};

struct ManagerOptions {
  Queue* queue = nullptr;                                                 // REQUIRES: set
  Executor* executor = nullptr;                                           // REQUIRES: set
  std::function<std::shared_ptr<const tegami::config::Config>()> config;  // REQUIRES: set
  std::shared_ptr<const Schedule> schedule;  // nullptr: the default Schedule
  std::function<std::int64_t()> now;         // nullptr: time(nullptr)
  // Called on a worker thread after a message to a list's -bounces address was delivered to
  // the list admins (the daemon counts the bounce: tegami_lists::handle_bounce); returns the
  // entries it queued (notices), which the manager then delivers. May be empty.
  std::function<std::vector<QueueId>(const tegami::config::Config&, const std::string& list,
                                     std::string_view)>
      on_list_bounce;
};

class Manager {
 public:
  static constexpr std::chrono::milliseconds kMaxSleep{std::chrono::minutes(5)};

  explicit Manager(ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Scans the queue and starts working. Loop thread.
  void start();
  // No new work is started; running blocking steps finish (their results are recorded).
  // Loop thread.
  void stop();
  // Registers (or, with nullptr, removes) the remote transport. Loop thread.
  void set_transport(std::shared_ptr<RemoteTransport> transport);

  // Thread-safe: a new entry was enqueued (e.g. by an SMTP session); look at it now.
  void notify_enqueued(const QueueId& id);
  // Thread-safe: every entry is due now, deferred recipients included whatever their next
  // attempt says (`tegami queue flush`).
  void flush();
  // Thread-safe: the same for one entry (`tegami queue retry <id>`).
  void retry(const QueueId& id);
  // Thread-safe: removes the entry (`tegami queue delete <id>`) — at once when no delivery of
  // it is running, else as soon as the running attempt has been recorded (the remote
  // transport still has the message file until then). No DSN is sent.
  void remove(const QueueId& id);

  struct Stats {
    std::size_t entries = 0;          // entries known (queued)
    std::int64_t oldest_arrival = 0;  // 0 when empty
    std::uint64_t delivered = 0;      // recipients delivered since start
    std::uint64_t deferred = 0;       // temporary failures since start
    std::uint64_t bounced = 0;        // permanent failures since start
  };
  // Loop thread.
  Stats stats() const;

 private:
  struct Known {
    std::int64_t due = 0;  // earliest next_attempt of a non-final recipient
    std::int64_t arrival = 0;
    bool busy = false;  // a job (or the transport) is working on it
    bool force = false;          // flush/retry: deferred recipients are tried now
    bool remove_pending = false;  // delete requested while busy
  };
  struct PassResult;
  void scan();
  void run_due();
  void arm_timer();
  void process(const QueueId& id);
  void remove_now(const QueueId& id);
  static void local_pass(Queue& q, const Schedule& schedule, const tegami::config::Config& config,
                         bool have_transport, bool force, std::int64_t now, const QueueId& id,
                         PassResult& out,
                         const decltype(ManagerOptions::on_list_bounce)& on_list_bounce);
  void finish(const QueueId& id, PassResult& result);
  void hand_to_transport(Entry entry, std::vector<std::size_t> indexes);
  void apply_outcomes(const QueueId& id,
                      std::vector<std::pair<DeliveryJob, std::vector<Outcome>>> results);
  std::int64_t now() const;

  ManagerOptions options_;
  std::shared_ptr<RemoteTransport> transport_;
  std::map<QueueId, Known> known_;
  Stats stats_;
  bool running_ = false;
  bool scanning_ = false;
  std::size_t jobs_ = 0;
  bool timer_armed_ = false;
  std::chrono::steady_clock::time_point timer_due_{};
  std::uint64_t timer_generation_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tegami_queue
