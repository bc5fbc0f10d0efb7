#include "daemon/session_tracking.h"

#include <memory>
#include <thread>

namespace tegami::daemon {

namespace {
// What a kick needs to find its connection. Created and mutated on the connection's loop
// thread only; other threads only copy the shared_ptr and compare `loop`, which never changes.
struct KickTarget {
  net::Connection* connection = nullptr;
  net::Handler* handler = nullptr;
  std::thread::id loop;
  bool alive = true;
};

class TrackedHandler : public net::Handler {
 public:
  TrackedHandler(std::unique_ptr<net::Handler> inner, std::shared_ptr<KickTarget> target,
                 control::SessionRegistry::Handle handle)
      : inner_(std::move(inner)), target_(std::move(target)), handle_(std::move(handle)) {}

  void on_open(net::Connection& c) override {
    handle_.set_tls(c.tls_active());
    inner_->on_open(c);
  }
  size_t on_input(net::Connection& c, std::string_view data) override {
    return inner_->on_input(c, data);
  }
  void on_limit(net::Connection& c, net::LimitKind kind) override { inner_->on_limit(c, kind); }
  void on_timeout(net::Connection& c, net::TimeoutKind kind) override {
    inner_->on_timeout(c, kind);
  }
  void on_tls_ready(net::Connection& c) override {
    handle_.set_tls(true);
    inner_->on_tls_ready(c);
  }
  void on_writable(net::Connection& c) override { inner_->on_writable(c); }
  void on_shutdown(net::Connection& c) override { inner_->on_shutdown(c); }
  void on_close(net::Connection& c, net::CloseReason reason) override {
    target_->alive = false;
    handle_.reset();
    inner_->on_close(c, reason);
  }

 private:
  std::unique_ptr<net::Handler> inner_;
  std::shared_ptr<KickTarget> target_;
  control::SessionRegistry::Handle handle_;
};
}  // namespace

net::HandlerFactory tracked_factory(net::HandlerFactory inner, control::SessionRegistry& registry,
                                    PostAll post_all) {
  return [inner = std::move(inner), &registry,
          post_all = std::move(post_all)](net::Connection& c) -> std::unique_ptr<net::Handler> {
    std::unique_ptr<net::Handler> handler = inner(c);
    auto target = std::make_shared<KickTarget>();
    target->connection = &c;
    target->handler = handler.get();
    target->loop = std::this_thread::get_id();
    control::SessionInfo info;
    info.id = c.id();
    info.protocol = c.listener().protocol;
    info.listener = c.listener().name;
    info.client = c.peer().to_string();
    info.tls = c.tls_active();
    auto kick = [target, post_all] {
      post_all([target] {
        if (std::this_thread::get_id() != target->loop || !target->alive) return;
        if (target->connection->closing()) return;
        target->handler->on_shutdown(*target->connection);
        target->connection->close();
      });
    };
    control::SessionRegistry::Handle handle = registry.add(std::move(info), std::move(kick));
    return std::make_unique<TrackedHandler>(std::move(handler), std::move(target),
                                            std::move(handle));
  };
}

}  // namespace tegami::daemon
