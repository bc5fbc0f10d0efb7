#include "daemon/queue_service.h"

#include "queue/config_schedule.h"
#include "lists/bounce.h"
#include "log/log.h"

namespace tegami::daemon {

class QueueService::WorkerExecutor final : public tegami_queue::Executor {
 public:
  explicit WorkerExecutor(net::Worker& w) : worker_(w) {}
  void post(std::function<void()> fn) override { worker_.post(std::move(fn)); }
  void run_blocking(std::function<void()> work, std::function<void()> done) override {
    worker_.run_blocking(std::move(work), std::move(done));
  }
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    worker_.after(delay, std::move(fn));
  }

 private:
  net::Worker& worker_;
};

maildir::Result<std::unique_ptr<QueueService>> QueueService::open(const std::string& dir) {
  auto q = tegami_queue::Queue::open(dir);
  if (!q.ok()) return q.status();
  std::unique_ptr<QueueService> s(new QueueService());
  s->queue_ = std::move(q).value();
  return s;
}

QueueService::~QueueService() = default;

void QueueService::start(net::Worker& worker,
                         std::function<std::shared_ptr<const config::Config>()> config) {
  executor_ = std::make_unique<WorkerExecutor>(worker);
  tegami_queue::ManagerOptions o;
  o.queue = queue_.get();
  o.executor = executor_.get();
  o.schedule = std::make_shared<tegami_queue::ConfigSchedule>(config);
  o.config = std::move(config);
  o.on_list_bounce = [q = queue_.get()](const config::Config& c, const std::string& list,
                                        std::string_view message) {
    auto r = tegami_lists::handle_bounce(c, list, message, q);
    if (!r.ok()) {
      logging::error("list " + list + ": bounce: " + r.status().to_string());
      return std::vector<tegami_queue::QueueId>{};
    }
    return r->queued;
  };
  manager_ = std::make_unique<tegami_queue::Manager>(std::move(o));
  tegami_queue::Manager* m = manager_.get();
  worker.post([this, m] {
    m->start();
    running_.store(m, std::memory_order_release);
  });
}

void QueueService::notify(const std::vector<tegami_queue::QueueId>& ids) {
  // Before the manager runs, its first scan finds these entries anyway.
  tegami_queue::Manager* m = running_.load(std::memory_order_acquire);
  if (m == nullptr) return;
  for (const tegami_queue::QueueId& id : ids) m->notify_enqueued(id);
}

bool QueueService::flush() {
  tegami_queue::Manager* m = running_.load(std::memory_order_acquire);
  if (m == nullptr) return false;
  m->flush();
  return true;
}

bool QueueService::retry(const tegami_queue::QueueId& id) {
  tegami_queue::Manager* m = running_.load(std::memory_order_acquire);
  if (m == nullptr) return false;
  m->retry(id);
  return true;
}

bool QueueService::remove(const tegami_queue::QueueId& id) {
  tegami_queue::Manager* m = running_.load(std::memory_order_acquire);
  if (m == nullptr) return false;
  m->remove(id);
  return true;
}

void QueueService::set_transport(std::shared_ptr<tegami_queue::RemoteTransport> transport) {
  if (!manager_) return;
  tegami_queue::Manager* m = manager_.get();
  executor_->post([m, transport] { m->set_transport(transport); });
}

}  // namespace tegami::daemon
