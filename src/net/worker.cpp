// Workers and the server: sockets made by hand (SO_REUSEPORT, since libuv 1.44 has no
// UV_TCP_REUSEPORT) and adopted with uv_tcp_open, one per listener per worker, so every loop
// accepts on every listener and the kernel spreads new connections across them.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "log/log.h"
#include "net/worker_impl.h"

namespace net {
namespace detail {

struct WorkerImpl::WorkerTimer {
  uv_timer_t timer{};
  WorkerImpl* worker = nullptr;
  std::function<void()> fn;
};

WorkerImpl::WorkerImpl(Shared* shared, size_t index)
    : shared_(shared), index_(index), read_buffer_(new char[kReadBufferSize]) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, on_async);
  async_.data = this;
}

WorkerImpl::~WorkerImpl() {
  if (thread_.joinable()) thread_.join();
  // A worker whose thread never ran (start() failed half-way) still owns open handles.
  for (auto& l : listeners_) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&l->tcp))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp), nullptr);
    }
  }
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&async_))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

maildir::Status WorkerImpl::add_listener(const ListenerRuntime* listener, int fd) {
  auto l = std::make_unique<Listener>();
  l->runtime = listener;
  l->worker = this;
  uv_tcp_init(&loop_, &l->tcp);
  l->tcp.data = l.get();
  int rc = uv_tcp_open(&l->tcp, fd);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp), 511, on_connection);
  listeners_.push_back(std::move(l));  // closed by close_listeners() or the destructor
  if (rc != 0) {
    return maildir::from_errno(
        -rc, "listen on " + listener->spec->address + ":" + std::to_string(listener->spec->port));
  }
  return maildir::Status::Ok();
}

void WorkerImpl::start_thread() {
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

void WorkerImpl::join() {
  if (thread_.joinable()) thread_.join();
}

void WorkerImpl::post(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (!accepting_posts_) return;
  posted_.push_back(std::move(fn));
  uv_async_send(&async_);
}

void WorkerImpl::on_async(uv_async_t* a) {
  auto* self = static_cast<WorkerImpl*>(a->data);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(self->mu_);
    batch.swap(self->posted_);
  }
  for (auto& fn : batch) fn();
}

void WorkerImpl::run_blocking(std::function<void()> work, std::function<void()> done) {
  struct Job {
    uv_work_t req{};
    std::function<void()> work;
    std::function<void()> done;
  };
  auto* job = new Job{uv_work_t{}, std::move(work), std::move(done)};
  job->req.data = job;
  int rc = uv_queue_work(
      &loop_, &job->req, [](uv_work_t* r) { static_cast<Job*>(r->data)->work(); },
      [](uv_work_t* r, int status) {
        auto* j = static_cast<Job*>(r->data);
        if (status == 0 && j->done) j->done();
        delete j;
      });
  if (rc != 0) {  // only for a null callback; run inline rather than lose the work
    job->work();
    if (job->done) job->done();
    delete job;
  }
}

void WorkerImpl::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  // A stopping worker arms no new timer: it would keep the loop (and stop()) alive until it
  // fired — a queue retry scheduled by a job finishing during shutdown is minutes away.
  if (finishing_) return;
  auto t = std::make_unique<WorkerTimer>();
  t->worker = this;
  t->fn = std::move(fn);
  t->timer.data = t.get();
  uv_timer_init(&loop_, &t->timer);
  uv_timer_start(
      &t->timer,
      [](uv_timer_t* h) {
        auto* wt = static_cast<WorkerTimer*>(h->data);
        std::function<void()> f = std::move(wt->fn);
        uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* hh) {
          auto* w = static_cast<WorkerTimer*>(hh->data);
          w->worker->timers_.erase(w);
        });
        if (f) f();
      },
      static_cast<uint64_t>(std::max<int64_t>(0, delay.count())), 0);
  timers_.emplace(t.get(), std::move(t));
}

void WorkerImpl::on_connection(uv_stream_t* server, int status) {
  auto* l = static_cast<Listener*>(server->data);
  WorkerImpl* self = l->worker;
  if (status < 0) {
    logging::warning("accept on " + l->runtime->spec->info.name +
                     " failed: " + uv_strerror(status));
    return;
  }
  Shared* sh = self->shared_;
  auto conn = std::make_unique<TcpConnection>(self, l->runtime, sh->next_connection_id++);
  TcpConnection* c = conn.get();
  self->connections_.emplace(c, std::move(conn));
  l->runtime->stats->accepted++;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(c->tcp())) != 0) {
    c->abort_with(CloseReason::kIoError);
    return;
  }
  uint32_t max = sh->max_connections.load();
  if (self->finishing_ ||
      (max != 0 && sh->stats.active_total.load() >= 2 * static_cast<int64_t>(max))) {
    // Flood far past the limit: close without a TLS handshake or a protocol answer.
    l->runtime->stats->refused++;
    c->abort_with(CloseReason::kLimit);
    return;
  }
  c->start();
}

void WorkerImpl::forget(TcpConnection* c) {
  connections_.erase(c);
  maybe_end();
}

void WorkerImpl::close_listeners() {
  for (auto& l : listeners_) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&l->tcp))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp), nullptr);
    }
  }
}

void WorkerImpl::shutdown_connections() {
  std::vector<TcpConnection*> all;
  all.reserve(connections_.size());
  for (auto& [c, owned] : connections_) all.push_back(c);
  for (TcpConnection* c : all) c->shutdown_now();
}

void WorkerImpl::finish() {
  finishing_ = true;
  close_listeners();
  for (auto& [t, owned] : timers_) {
    (void)owned;
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&t->timer))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&t->timer), [](uv_handle_t* hh) {
        auto* w = static_cast<WorkerTimer*>(hh->data);
        w->worker->timers_.erase(w);
      });
    }
  }
  maybe_end();
}

void WorkerImpl::maybe_end() {
  if (!finishing_ || !connections_.empty() || async_closed_) return;
  {
    std::lock_guard lock(mu_);
    accepting_posts_ = false;
  }
  async_closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  // Remaining thread-pool jobs finish first: uv_run returns once nothing is active.
}

}  // namespace detail

struct Server::Impl {
  std::unique_ptr<detail::Shared> shared;
  std::vector<std::unique_ptr<detail::WorkerImpl>> workers;
  std::vector<uint16_t> ports;
  std::mutex stop_mu;
  bool stopped = false;
};

namespace {

// One listening socket, not yet listening. Returns the fd or a Status.
maildir::Result<int> make_socket(const SocketAddress& addr) {
  int fd = ::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return maildir::from_errno("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int err = errno;
    ::close(fd);
    return maildir::from_errno(err, "setsockopt SO_REUSEPORT");
  }
  if (addr.family() == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, addr.raw(), addr.raw_len()) != 0) {
    int err = errno;
    ::close(fd);
    return maildir::from_errno(err, "bind " + addr.to_string());
  }
  return fd;
}

}  // namespace

maildir::Result<std::unique_ptr<Server>> Server::start(ServerOptions options,
                                                       std::vector<ListenerSpec> listeners) {
  // A peer that resets its connection must not kill the process on the next write.
  std::signal(SIGPIPE, SIG_IGN);
  auto impl = std::make_unique<Impl>();
  impl->shared = std::make_unique<detail::Shared>();
  detail::Shared& sh = *impl->shared;
  if (options.workers == 0) options.workers = std::max(1u, std::thread::hardware_concurrency());
  sh.options = std::move(options);
  sh.set_limits(sh.options.limits);
  sh.specs = std::move(listeners);

  for (size_t i = 0; i < sh.specs.size(); ++i) {
    const ListenerSpec& spec = sh.specs[i];
    if (!spec.factory) {
      return maildir::Status(maildir::Code::kInvalidArgument,
                             "listener " + spec.info.name + " has no handler");
    }
    if (spec.info.tls != TlsMode::kNone && (!sh.options.tls || !sh.options.tls->get())) {
      return maildir::Status(
          maildir::Code::kInvalidArgument,
          "listener " + spec.info.name + " uses TLS but no certificate is loaded");
    }
    ProtocolStats* stats = nullptr;
    for (auto& p : sh.stats.protocols) {
      if (p.protocol == spec.info.protocol) stats = &p;
    }
    if (stats == nullptr) stats = &sh.stats.protocols.emplace_back(spec.info.protocol);
    sh.listeners.push_back(detail::ListenerRuntime{&spec, stats, i});
  }

  for (unsigned w = 0; w < sh.options.workers; ++w) {
    impl->workers.push_back(std::make_unique<detail::WorkerImpl>(&sh, w));
  }
  for (size_t i = 0; i < sh.specs.size(); ++i) {
    const ListenerSpec& spec = sh.specs[i];
    auto addr = SocketAddress::parse(spec.address, spec.port);
    if (!addr) {
      return maildir::Status(maildir::Code::kInvalidArgument,
                             "listener " + spec.info.name + ": bad address " + spec.address);
    }
    for (auto& worker : impl->workers) {
      auto fd = make_socket(*addr);
      if (!fd.ok()) return fd.status();
      if (addr->port() == 0) {  // the first bind chose the port; the others share it
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        ::getsockname(fd.value(), reinterpret_cast<sockaddr*>(&ss), &len);
        auto bound = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
        if (bound) addr = SocketAddress::parse(addr->ip(), bound->port());
      }
      if (auto st = worker->add_listener(&sh.listeners[i], fd.value()); !st.ok()) return st;
    }
    impl->ports.push_back(addr->port());
  }
  for (auto& worker : impl->workers) worker->start_thread();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop(std::chrono::milliseconds(0));
}

uint16_t Server::bound_port(size_t i) const {
  return impl_->ports.at(i);
}
size_t Server::worker_count() const {
  return impl_->workers.size();
}
Worker& Server::worker(size_t i) {
  return *impl_->workers.at(i);
}
const NetStats& Server::stats() const {
  return impl_->shared->stats;
}
KeyedLimiter& Server::per_ip() const {
  return impl_->shared->per_ip;
}
int64_t Server::active_connections() const {
  return impl_->shared->stats.active_total.load();
}

void Server::set_limits(const Limits& limits) {
  impl_->shared->set_limits(limits);
}

void Server::post_all(std::function<void(Worker&)> fn) {
  for (auto& w : impl_->workers) {
    detail::WorkerImpl* wp = w.get();
    wp->post([wp, fn] { fn(*wp); });
  }
}

void Server::stop(std::chrono::milliseconds drain) {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  for (auto& w : impl_->workers) {
    detail::WorkerImpl* wp = w.get();
    wp->post([wp] { wp->close_listeners(); });
  }
  auto deadline = std::chrono::steady_clock::now() + drain;
  while (active_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& w : impl_->workers) {
    detail::WorkerImpl* wp = w.get();
    wp->post([wp] {
      wp->shutdown_connections();
      wp->finish();
    });
  }
  for (auto& w : impl_->workers) w->join();
}

}  // namespace net
