// The libuv connection: socket → [PROXY] → [TLS] → [inflate] → bounded input → Handler;
// Handler output → queue → [deflate] → [TLS] → socket.
//
// Why it is shaped this way:
// - Input is read into the worker's one shared read buffer and copied at once either into the
//   TLS engine or into this connection's input string, so an idle connection holds no read
//   buffer (with SSL_MODE_RELEASE_BUFFERS, no TLS record buffers either).
// - Output is encoded (encrypted) when it is moved from the pending queue to the wire buffer,
//   not when it is queued. That is what makes STARTTLS simple: start_tls() encodes everything
//   queued so far as plaintext, then switches the encoder to TLS.
// - One uv_write at a time; while it is in flight new bytes gather in wire_. A pull source is
//   pulled only while wire_ is small, so a 20 MB message never sits in memory.
// - Reading stops while output is above the high-water mark, while input is paused and the
//   input buffer is full, and while closing. That bounds memory per connection.
// - One timer per connection serves the idle timeout, the pre-auth timeout and the close
//   flush deadline: it fires at the earliest and re-checks, instead of being restarted on
//   every read.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "log/log.h"
#include "net/proxy_protocol.h"
#include "net/worker_impl.h"

namespace net {

std::string_view close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::kPeerClosed:
      return "peer closed";
    case CloseReason::kHandler:
      return "closed";
    case CloseReason::kLimit:
      return "limit";
    case CloseReason::kTimeout:
      return "timeout";
    case CloseReason::kShutdown:
      return "shutdown";
    case CloseReason::kTlsError:
      return "TLS error";
    case CloseReason::kIoError:
      return "I/O error";
    case CloseReason::kProxyError:
      return "PROXY header error";
  }
  return "closed";
}

namespace {

constexpr uint64_t kCloseFlushMs = 10'000;  // a closing connection's output gets this long
constexpr uint64_t kShutdownFlushMs = 2'000;

}  // namespace

namespace detail {

struct TcpConnection::UserTimer {
  uv_timer_t timer{};
  TcpConnection* conn = nullptr;
  TimerId id = 0;
  std::function<void()> fn;
};

// A uv_poll on a caller's fd; the memory lives until its close callback.
struct TcpConnection::FdWatch {
  uv_poll_t poll{};
  TcpConnection* conn = nullptr;
  WatchId id = 0;
  std::function<void()> fn;
};

TcpConnection::TcpConnection(WorkerImpl* worker, const ListenerRuntime* listener, uint64_t id)
    : worker_(worker), listener_(listener), id_(id) {
  uv_tcp_init(worker_->loop(), &tcp_);
  uv_timer_init(worker_->loop(), &timer_);
  tcp_.data = this;
  timer_.data = this;
  open_handles_ = 2;
  idle_ms_ = static_cast<uint64_t>(listener_->spec->idle_timeout.count());
  preauth_ms_ = static_cast<uint64_t>(listener_->spec->preauth_timeout.count());
}

TcpConnection::~TcpConnection() {
  for (auto& [id, t] : timers_) {
    (void)id;
    t->conn = nullptr;  // closing; freed by its close callback
  }
}

void TcpConnection::start() {
  Shared* sh = worker_->shared();
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    if (auto a = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len)) peer_ = *a;
  }
  len = sizeof ss;
  if (uv_tcp_getsockname(&tcp_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    if (auto a = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len)) local_ = *a;
  }
  socket_peer_ = peer_;
  uv_tcp_nodelay(&tcp_, 1);
  uv_tcp_keepalive(&tcp_, 1, 120);
  last_activity_ = opened_at_ = uv_now(worker_->loop());
  listener_->stats->active++;
  sh->stats.active_total++;
  counted_ = true;

  bool trusted = false;
  for (const auto& cidr : listener_->spec->proxy_from) trusted = trusted || cidr.contains(peer_);
  if (trusted) {
    phase_ = Phase::kProxy;
    update_reading();
    arm_timer();
    return;
  }
  peer_known();
}

// The real client is known: make the handler, decide the connection limits.
void TcpConnection::peer_known() {
  Shared* sh = worker_->shared();
  handler_ = listener_->spec->factory(*this);
  uint32_t max_total = sh->max_connections.load();
  if (max_total != 0 && sh->stats.active_total.load() > static_cast<int64_t>(max_total)) {
    refused_ = LimitKind::kTotalConnections;
  } else if (auto slot = sh->per_ip.try_acquire(peer_.ip(), sh->max_connections_per_ip.load())) {
    ip_slot_ = std::move(*slot);
  } else {
    refused_ = LimitKind::kConnectionsPerIp;
  }
  if (refused_) listener_->stats->refused++;
  if (listener_->spec->info.tls == TlsMode::kImplicit) {
    begin_tls();
    if (closing_) return;
    phase_ = Phase::kHandshake;
    update_reading();
    arm_timer();
    // Client bytes that came with the PROXY header belong to the handshake.
    if (!in_.empty()) {
      std::string early = std::move(in_);
      in_.clear();
      handle_bytes(early);
    }
    return;
  }
  phase_ = Phase::kOpen;
  open_or_refuse();
  if (!closing_ && !in_.empty()) deliver();
}

void TcpConnection::begin_tls() {
  auto store = worker_->shared()->options.tls;
  auto set = store ? store->get() : nullptr;
  if (!set) {
    fail(CloseReason::kTlsError, "no TLS certificate loaded");
    return;
  }
  tls_ = std::make_unique<TlsSession>(set);
  if (tls_->state() == TlsSession::State::kFailed) fail(CloseReason::kTlsError, tls_->error());
}

void TcpConnection::open_or_refuse() {
  update_reading();
  arm_timer();
  if (refused_) {
    handler_->on_limit(*this, *refused_);
    close_with(CloseReason::kLimit);
    return;
  }
  handler_->on_open(*this);
}

void TcpConnection::handshake_done() {
  if (tls_started_by_handler_) {
    phase_ = Phase::kOpen;
    handler_->on_tls_ready(*this);
    return;
  }
  phase_ = Phase::kOpen;
  open_or_refuse();
}

void TcpConnection::on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) {
  (void)suggested;
  auto* self = static_cast<TcpConnection*>(h->data);
  buf->base = self->worker_->read_buffer();
  buf->len = WorkerImpl::kReadBufferSize;
}

void TcpConnection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<TcpConnection*>(s->data);
  if (nread == 0) return;  // EAGAIN
  if (nread < 0) {
    if (nread == UV_EOF) {
      self->peer_eof_ = true;
      uv_read_stop(s);
      self->reading_ = false;
      if (self->closing_) return;
      if (self->phase_ != Phase::kOpen || !self->handler_) {
        self->abort_with(CloseReason::kPeerClosed);
      } else if (!self->input_paused_ && (self->in_.empty() || !self->above_high_water_)) {
        self->close_with(CloseReason::kPeerClosed);
      }
      // Paused or held back: the handler finishes first; deliver() / resume_input() close.
      return;
    }
    self->abort_with(CloseReason::kIoError);
    return;
  }
  self->listener_->stats->bytes_in += static_cast<uint64_t>(nread);
  self->last_activity_ = uv_now(self->worker_->loop());
  self->handle_bytes(std::string_view(buf->base, static_cast<size_t>(nread)));
}

void TcpConnection::handle_bytes(std::string_view data) {
  if (closing_) return;
  if (phase_ == Phase::kProxy) {
    handle_proxy_bytes(data);
    return;
  }
  if (tls_) {
    auto st = tls_->feed(data);
    if (st == TlsSession::State::kHandshaking) {
      pump();  // handshake messages
      return;
    }
    if (st == TlsSession::State::kFailed) {
      listener_->stats->tls_handshakes_failed += phase_ == Phase::kHandshake ? 1 : 0;
      fail(CloseReason::kTlsError, tls_->error());
      return;
    }
    if (phase_ == Phase::kHandshake) {
      pump();
      handshake_done();
      if (closing_) return;
    }
    st = tls_->read(inflate_ ? zin_ : in_);
    pump();
    if (st == TlsSession::State::kFailed) {
      fail(CloseReason::kTlsError, tls_->error());
      return;
    }
    deliver();
    if (st == TlsSession::State::kClosed && !closing_) close_with(CloseReason::kPeerClosed);
    return;
  }
  (inflate_ ? zin_ : in_).append(data);
  deliver();
}

void TcpConnection::handle_proxy_bytes(std::string_view data) {
  size_t room = proxy::kMaxHeaderBytes - std::min(in_.size(), proxy::kMaxHeaderBytes);
  in_.append(data.substr(0, room));
  std::string rest(data.substr(std::min(room, data.size())));
  auto r = proxy::parse(in_);
  if (r.outcome == proxy::Outcome::kNeedMore) {
    if (!rest.empty()) fail(CloseReason::kProxyError, "PROXY header too long");
    return;
  }
  if (r.outcome == proxy::Outcome::kError) {
    fail(CloseReason::kProxyError, r.error);
    return;
  }
  if (!r.header.local && r.header.source && r.header.destination) {
    peer_ = *r.header.source;
    local_ = *r.header.destination;
    proxied_ = true;
  }
  in_.erase(0, r.length);
  in_ += rest;
  peer_known();
}

void TcpConnection::deliver() {
  if (delivering_ || closing_ || phase_ != Phase::kOpen || !handler_) return;
  delivering_ = true;
  bool stuck = false;
  while (true) {
    size_t cursor = 0;
    stuck = false;
    while (!closing_ && !input_paused_ && !above_high_water_ && cursor < in_.size()) {
      size_t n = handler_->on_input(*this, std::string_view(in_).substr(cursor));
      if (discard_input_) {  // STARTTLS: nothing received before the handshake survives
        discard_input_ = false;
        in_.clear();
        cursor = 0;
        break;
      }
      if (compress_input_rest_) {  // COMPRESS: what follows the command is compressed
        compress_input_rest_ = false;
        cursor += std::min(n, in_.size() - cursor);
        zin_.insert(0, in_, cursor);
        in_.clear();
        cursor = 0;
        break;
      }
      if (n == 0) {
        stuck = true;
        break;
      }
      cursor += std::min(n, in_.size() - cursor);
    }
    if (cursor > 0) in_.erase(0, cursor);
    // Compressed input: inflate the next piece (at most up to the input cap) and go on while
    // it yields bytes; a handler that consumes nothing stops this at the cap.
    if (closing_ || !inflate_ || zin_.empty() || input_paused_ || above_high_water_) break;
    size_t before = in_.size();
    if (!inflate_input()) {
      delivering_ = false;
      return;
    }
    if (in_.size() == before) break;
  }
  if (in_.empty() && in_.capacity() > 1024) std::string().swap(in_);  // idle: no buffer
  if (zin_.empty() && zin_.capacity() > 1024) std::string().swap(zin_);
  delivering_ = false;
  if (closing_) return;
  size_t cap = worker_->shared()->input_buffer_cap.load();
  if (stuck && !input_paused_ && !above_high_water_ && in_.size() >= cap) {
    in_.clear();
    handler_->on_limit(*this, LimitKind::kInputOverflow);
    close_with(CloseReason::kLimit);
    return;
  }
  if (peer_eof_ && !input_paused_ && (in_.empty() || !above_high_water_)) {
    close_with(CloseReason::kPeerClosed);
    return;
  }
  update_reading();
}

void TcpConnection::pause_input() {
  input_paused_ = true;
  update_reading();
}

void TcpConnection::resume_input() {
  if (!input_paused_) return;
  input_paused_ = false;
  if (closing_) return;
  if (!in_.empty() || !zin_.empty()) {
    deliver();
  } else if (peer_eof_) {
    close_with(CloseReason::kPeerClosed);
  } else {
    update_reading();
  }
}

bool TcpConnection::tls_active() const {
  return tls_ && tls_->state() == TlsSession::State::kOpen;
}
std::string TcpConnection::tls_server_name() const {
  return tls_ ? tls_->server_name() : "";
}
std::string TcpConnection::tls_version() const {
  return tls_ ? tls_->version() : "";
}

maildir::Status TcpConnection::start_tls() {
  if (tls_) return maildir::Status(maildir::Code::kInvalidArgument, "TLS is already active");
  if (listener_->spec->info.tls == TlsMode::kNone) {
    return maildir::Status(maildir::Code::kInvalidArgument, "TLS is not enabled on this listener");
  }
  auto store = worker_->shared()->options.tls;
  if (!store || !store->get()) {
    return maildir::Status(maildir::Code::kInvalidArgument, "no TLS certificate loaded");
  }
  if (closing_) return maildir::Status(maildir::Code::kInvalidArgument, "connection is closing");
  // Everything queued so far (the "go ahead" reply) leaves in plaintext.
  while (!pending_.empty()) {
    Chunk c = std::move(pending_.front());
    pending_.pop_front();
    if (c.source) {
      char buf[16384];
      while (true) {
        auto n = c.source->pull(buf, sizeof buf);
        if (!n.ok() || n.value() == 0) break;
        wire_.append(buf, n.value());
      }
    } else {
      pending_bytes_ -= c.bytes.size();
      wire_ += c.bytes;
    }
  }
  tls_started_by_handler_ = true;
  begin_tls();
  if (closing_) return maildir::Status(maildir::Code::kIo, "TLS could not start");
  phase_ = Phase::kHandshake;
  // Discard every byte received before the handshake (the pipelined-injection attack).
  if (delivering_) {
    discard_input_ = true;
  } else {
    in_.clear();
  }
  pump();
  return maildir::Status::Ok();
}

maildir::Status TcpConnection::start_compression() {
  if (deflate_) return maildir::Status(maildir::Code::kInvalidArgument, "compression is active");
  if (closing_) return maildir::Status(maildir::Code::kInvalidArgument, "connection is closing");
  auto d = DeflateStream::create();
  if (!d.ok()) return d.status();
  auto i = InflateStream::create();
  if (!i.ok()) return i.status();
  // Everything queued so far (the OK) leaves uncompressed.
  while (!pending_.empty()) {
    Chunk c = std::move(pending_.front());
    pending_.pop_front();
    if (c.source) {
      char buf[16384];
      while (true) {
        auto n = c.source->pull(buf, sizeof buf);
        if (!n.ok() || n.value() == 0) break;
        encode(std::string_view(buf, n.value()));
      }
    } else {
      pending_bytes_ -= c.bytes.size();
      encode(c.bytes);
    }
  }
  if (tls_) tls_->take_output(wire_);
  deflate_ = std::move(d.value());
  inflate_ = std::move(i.value());
  if (delivering_) {
    compress_input_rest_ = true;  // deliver() moves the rest of the current input to zin_
  } else {
    zin_ = std::move(in_);
    in_.clear();
  }
  pump();
  return maildir::Status::Ok();
}

// Inflates buffered compressed input into in_, up to the input cap. False when the data was
// bad (the connection is then closed).
bool TcpConnection::inflate_input() {
  size_t cap = worker_->shared()->input_buffer_cap.load();
  if (in_.size() >= cap) return true;
  auto r = inflate_->read(zin_, in_, cap - in_.size());
  if (!r.ok()) {
    fail(CloseReason::kIoError, "COMPRESS: " + r.status().to_string());
    return false;
  }
  return true;
}

void TcpConnection::set_authenticated() {
  authenticated_ = true;
  arm_timer();
}

void TcpConnection::set_idle_timeout(std::chrono::milliseconds timeout) {
  idle_ms_ = static_cast<uint64_t>(std::max<int64_t>(0, timeout.count()));
  last_activity_ = uv_now(worker_->loop());
  arm_timer();
}

void TcpConnection::update_reading() {
  if (handles_closing_) return;
  size_t cap = worker_->shared()->input_buffer_cap.load();
  bool want = !closing_ && !peer_eof_ && !above_high_water_ &&
              !(input_paused_ && in_.size() >= cap) && zin_.size() < cap;
  if (want && !reading_) {
    if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), on_alloc, on_read) == 0) {
      reading_ = true;
    }
  } else if (!want && reading_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
}

// --- timers ---------------------------------------------------------------------------------

void TcpConnection::arm_timer() {
  if (handles_closing_) return;
  uint64_t now = uv_now(worker_->loop());
  uint64_t due = UINT64_MAX;
  if (closing_) {
    due = close_deadline_;
  } else {
    if (phase_ == Phase::kProxy) {
      due = opened_at_ +
            static_cast<uint64_t>(worker_->shared()->options.proxy_header_timeout.count());
    }
    if (idle_ms_ != 0) due = std::min(due, last_activity_ + idle_ms_);
    if (!authenticated_ && preauth_ms_ != 0) due = std::min(due, opened_at_ + preauth_ms_);
  }
  if (due == UINT64_MAX) {
    uv_timer_stop(&timer_);
    return;
  }
  uv_timer_start(&timer_, on_timer, due > now ? due - now : 0, 0);
}

void TcpConnection::on_timer(uv_timer_t* t) {
  auto* self = static_cast<TcpConnection*>(t->data);
  uint64_t now = uv_now(self->worker_->loop());
  if (self->closing_) {
    if (now >= self->close_deadline_)
      self->abort_with(self->close_reason_);
    else
      self->arm_timer();
    return;
  }
  if (self->phase_ == Phase::kProxy) {
    uint64_t limit =
        static_cast<uint64_t>(self->worker_->shared()->options.proxy_header_timeout.count());
    if (now >= self->opened_at_ + limit) {
      self->fail(CloseReason::kProxyError, "no PROXY header in time");
      return;
    }
  }
  std::optional<TimeoutKind> kind;
  if (!self->authenticated_ && self->preauth_ms_ != 0 &&
      now >= self->opened_at_ + self->preauth_ms_) {
    kind = TimeoutKind::kPreAuth;
  } else if (self->idle_ms_ != 0 && now >= self->last_activity_ + self->idle_ms_) {
    kind = TimeoutKind::kIdle;
  }
  if (!kind) {
    self->arm_timer();
    return;
  }
  if (self->handler_ && self->phase_ == Phase::kOpen) {
    self->handler_->on_timeout(*self, *kind);
    self->close_with(CloseReason::kTimeout);
  } else {
    self->abort_with(CloseReason::kTimeout);  // before the handshake: nothing to say
  }
}

Connection::TimerId TcpConnection::after(std::chrono::milliseconds delay,
                                         std::function<void()> fn) {
  if (closing_) return 0;
  auto* t = new UserTimer();
  t->conn = this;
  t->id = next_timer_++;
  t->fn = std::move(fn);
  t->timer.data = t;
  uv_timer_init(worker_->loop(), &t->timer);
  timers_[t->id] = t;
  uv_timer_start(
      &t->timer,
      [](uv_timer_t* h) {
        auto* ut = static_cast<UserTimer*>(h->data);
        TcpConnection* c = ut->conn;
        std::function<void()> f = std::move(ut->fn);
        if (c != nullptr) c->timers_.erase(ut->id);
        uv_close(reinterpret_cast<uv_handle_t*>(h),
                 [](uv_handle_t* hh) { delete static_cast<UserTimer*>(hh->data); });
        if (c != nullptr && !c->closing_ && f) f();
      },
      static_cast<uint64_t>(std::max<int64_t>(0, delay.count())), 0);
  return t->id;
}

void TcpConnection::cancel(TimerId timer) {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return;
  UserTimer* t = it->second;
  timers_.erase(it);
  t->conn = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&t->timer),
           [](uv_handle_t* h) { delete static_cast<UserTimer*>(h->data); });
}

Connection::WatchId TcpConnection::watch_fd(int fd, std::function<void()> fn) {
  if (closing_ || fd < 0) return 0;
  auto* w = new FdWatch();
  if (uv_poll_init(worker_->loop(), &w->poll, fd) != 0) {
    delete w;
    return 0;
  }
  w->conn = this;
  w->id = next_watch_++;
  w->fn = std::move(fn);
  w->poll.data = w;
  watches_[w->id] = w;
  uv_poll_start(&w->poll, UV_READABLE, [](uv_poll_t* h, int status, int events) {
    (void)events;
    auto* fw = static_cast<FdWatch*>(h->data);
    if (fw->conn == nullptr || fw->conn->closing_) return;
    // An error (the fd went bad) would repeat on every loop turn: stop polling; the callback
    // runs once more and the caller's timer fallback takes over.
    if (status < 0) uv_poll_stop(h);
    std::function<void()> f = fw->fn;  // the callback may unwatch (and free) this watch
    f();
  });
  return w->id;
}

void TcpConnection::unwatch(WatchId watch) {
  auto it = watches_.find(watch);
  if (it == watches_.end()) return;
  FdWatch* w = it->second;
  watches_.erase(it);
  w->conn = nullptr;
  uv_poll_stop(&w->poll);  // removes the fd from epoll now, so the caller may close it
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll),
           [](uv_handle_t* h) { delete static_cast<FdWatch*>(h->data); });
}

void TcpConnection::run_blocking(std::function<void()> work, std::function<void()> done) {
  std::shared_ptr<bool> alive = alive_;
  worker_->run_blocking(std::move(work), [alive, done = std::move(done)]() {
    if (*alive && done) done();
  });
}

// --- closing --------------------------------------------------------------------------------

void TcpConnection::fail(CloseReason reason, std::string_view why) {
  logging::info(std::string(listener_->spec->info.name) + ": connection " + std::to_string(id_) +
                " from " + socket_peer_.ip() + ": " + std::string(why));
  abort_with(reason);
}

void TcpConnection::close_with(CloseReason reason) {
  if (closing_) return;
  closing_ = true;
  close_reason_ = reason;
  *alive_ = false;
  for (auto& [id, t] : timers_) {
    (void)id;
    t->conn = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&t->timer),
             [](uv_handle_t* h) { delete static_cast<UserTimer*>(h->data); });
  }
  timers_.clear();
  for (auto& [id, w] : watches_) {
    (void)id;
    w->conn = nullptr;
    uv_poll_stop(&w->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&w->poll),
             [](uv_handle_t* h) { delete static_cast<FdWatch*>(h->data); });
  }
  watches_.clear();
  update_reading();
  if (deflate_) {
    pump();  // closing_ is set: pump() flushes the compressor itself
    flush_compressed();
  }
  if (tls_ && tls_->state() == TlsSession::State::kOpen) {
    pump();  // encode what is queued before close_notify
    tls_->shutdown();
  }
  pump();
  if (pending_output() == 0 && !write_in_flight_) {
    finish_close();
    return;
  }
  close_deadline_ = uv_now(worker_->loop()) + kCloseFlushMs;
  arm_timer();
}

void TcpConnection::abort_with(CloseReason reason) {
  if (!closing_) {
    close_with(reason);  // sets state, closes user timers
    if (handles_closing_) return;
  }
  pending_.clear();
  pending_bytes_ = 0;
  wire_.clear();
  finish_close();
}

void TcpConnection::shutdown_now() {
  if (closing_) {
    close_deadline_ = std::min(close_deadline_, uv_now(worker_->loop()) + kShutdownFlushMs);
    arm_timer();
    return;
  }
  if (handler_ && phase_ == Phase::kOpen) handler_->on_shutdown(*this);
  close_with(CloseReason::kShutdown);
  if (!handles_closing_) {
    close_deadline_ = uv_now(worker_->loop()) + kShutdownFlushMs;
    arm_timer();
  }
}

void TcpConnection::finish_close() {
  if (handles_closing_) return;
  handles_closing_ = true;
  closing_ = true;
  *alive_ = false;
  ip_slot_.release();
  if (counted_) {
    counted_ = false;
    listener_->stats->active--;
    worker_->shared()->stats.active_total--;
  }
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_handle_closed);
}

void TcpConnection::on_handle_closed(uv_handle_t* h) {
  auto* self = static_cast<TcpConnection*>(h->data);
  if (--self->open_handles_ != 0) return;
  // Last callback of all, never nested inside another handler callback.
  if (self->handler_) self->handler_->on_close(*self, self->close_reason_);
  self->handler_.reset();
  self->worker_->forget(self);
}

}  // namespace detail
}  // namespace net
