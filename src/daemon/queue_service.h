// tegamid's mail queue: the Queue on server.queue_dir and its Manager, run on network worker 0's
// loop (its thread pool does the disk work). SMTP sessions enqueue through queue() and tell the
// manager with notify(); remote delivery (issue 8) registers its transport with
// set_transport(). The queue directory is fixed at start (a reload that changes
// server.queue_dir takes effect at the next restart).
// The retry schedule is tegami_queue::ConfigSchedule (config `outbound`: retry_first,
// retry_max, delay_notice, expire).
// Threading: open() and start() on the daemon thread; notify() from any thread; queue() is
// thread-safe (Queue's own rules); set_transport() from any thread (posted to the loop).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "net/worker.h"
#include "queue/manager.h"
#include "queue/queue.h"

namespace tegami::daemon {

class QueueService {
 public:
  // Opens the queue directory (crash leftovers removed). Errors from Queue::open.
  static maildir::Result<std::unique_ptr<QueueService>> open(const std::string& dir);
  ~QueueService();

  tegami_queue::Queue* queue() { return queue_.get(); }
  // Creates the manager on `worker`'s loop and scans the queue. `worker` must outlive this.
  void start(net::Worker& worker, std::function<std::shared_ptr<const config::Config>()> config);
  // Thread-safe: entries an SMTP session just wrote.
  void notify(const std::vector<tegami_queue::QueueId>& ids);
  // Thread-safe: the admin's `tegami queue flush|retry|delete` (manager.h). False when the
  // manager is not running yet.
  bool flush();
  bool retry(const tegami_queue::QueueId& id);
  bool remove(const tegami_queue::QueueId& id);
  // Thread-safe: registers the remote transport on the manager's loop.
  void set_transport(std::shared_ptr<tegami_queue::RemoteTransport> transport);

 private:
  class WorkerExecutor;
  QueueService() = default;

  std::unique_ptr<tegami_queue::Queue> queue_;
  std::unique_ptr<WorkerExecutor> executor_;
  std::unique_ptr<tegami_queue::Manager> manager_;
  std::atomic<tegami_queue::Manager*> running_{nullptr};
};

}  // namespace tegami::daemon
