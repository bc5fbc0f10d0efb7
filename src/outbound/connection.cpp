#include "outbound/connection.h"

#include <uv.h>

#include <algorithm>

#include "log/log.h"

namespace tegami::outbound {
namespace {

constexpr size_t kReadBuffer = 16 * 1024;
constexpr size_t kBodyBlock = 64 * 1024;

struct WriteReq {
  uv_write_t req;
  std::string data;
  ClientConnection* self;
  bool body_block;
};

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::kGreeting:
      return "the greeting";
    case Phase::kCommand:
      return "a command reply";
    case Phase::kMail:
      return "the MAIL reply";
    case Phase::kRcpt:
      return "the RCPT reply";
    case Phase::kDataInit:
      return "the DATA reply";
    case Phase::kDataBlock:
      return "the body to be sent";
    case Phase::kDataEnd:
      return "the reply after the final dot";
    case Phase::kNone:
      break;
  }
  return "nothing";
}

}  // namespace

std::chrono::milliseconds Timeouts::for_phase(Phase phase) const {
  switch (phase) {
    case Phase::kGreeting:
      return greeting;
    case Phase::kCommand:
      return command;
    case Phase::kMail:
      return mail;
    case Phase::kRcpt:
      return rcpt;
    case Phase::kDataInit:
      return data_init;
    case Phase::kDataBlock:
      return data_block;
    case Phase::kDataEnd:
      return data_end;
    case Phase::kNone:
      break;
  }
  return reuse_idle;
}

struct ClientConnection::Impl {
  uv_tcp_t tcp{};
  uv_connect_t connect{};
  uv_timer_t timer{};
  int open_handles = 0;
  char read_buf[kReadBuffer];
};

ClientConnection* ClientConnection::open(uv_loop_s* loop, Owner& owner, ConnectionOptions options,
                                         const net::SocketAddress& address) {
  auto* c = new ClientConnection(loop, owner, std::move(options), address);
  c->start();
  return c;
}

ClientConnection::ClientConnection(uv_loop_s* loop, Owner& owner, ConnectionOptions options,
                                   const net::SocketAddress& address)
    : impl_(std::make_unique<Impl>()),
      owner_(owner),
      options_(std::move(options)),
      address_(address),
      session_(options_.session),
      parser_(options_.limits) {
  uv_tcp_init(loop, &impl_->tcp);
  uv_timer_init(loop, &impl_->timer);
  impl_->tcp.data = this;
  impl_->timer.data = this;
  impl_->connect.data = this;
  impl_->open_handles = 2;
}

ClientConnection::~ClientConnection() = default;

void ClientConnection::start() {
  arm_for(options_.timeouts.connect, "the connection to " + address_.to_string());
  int rc = uv_tcp_connect(&impl_->connect, &impl_->tcp, address_.raw(),
                          [](uv_connect_t* req, int status) {
                            static_cast<ClientConnection*>(req->data)->on_connect(status);
                          });
  if (rc < 0) {
    // Report from the loop, not from inside open(): the owner is still setting up.
    timer_what_ = std::string("connect ") + address_.to_string() + ": " + uv_strerror(rc);
    uv_timer_start(
        &impl_->timer,
        [](uv_timer_t* t) {
          auto* self = static_cast<ClientConnection*>(t->data);
          self->fail(self->timer_what_);
        },
        0, 0);
  }
}

void ClientConnection::on_connect(int status) {
  if (closing_) return;
  if (status < 0) {
    fail("connect " + address_.to_string() + ": " + uv_strerror(status));
    return;
  }
  uv_tcp_nodelay(&impl_->tcp, 1);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&impl_->tcp),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* self = static_cast<ClientConnection*>(h->data);
        buf->base = self->impl_->read_buf;
        buf->len = kReadBuffer;
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* self = static_cast<ClientConnection*>(s->data);
        if (n > 0) {
          self->on_read(buf->base, static_cast<size_t>(n));
        } else if (n < 0) {
          self->on_eof_or_error(n == UV_EOF ? "connection closed by " + self->options_.host
                                            : std::string("read error: ") +
                                                  uv_strerror(static_cast<int>(n)));
        }
      });
  if (options_.implicit_tls) {
    start_tls();
    arm(Phase::kGreeting);
    return;
  }
  apply(session_.on_connected());
}

void ClientConnection::on_eof_or_error(std::string why) {
  if (!closing_) fail(std::move(why));
}

void ClientConnection::on_read(const char* data, size_t n) {
  if (closing_) return;
  if (!tls_) {
    input_.append(data, n);
    process_input();
    return;
  }
  auto state = tls_->feed(std::string_view(data, n));
  std::string out;
  tls_->take_output(out);
  if (!out.empty()) write_raw(std::move(out), false);
  if (state == net::TlsSession::State::kFailed) {
    fail("TLS with " + options_.host + ": " + tls_->error());
    return;
  }
  if (handshaking_) {
    if (state != net::TlsSession::State::kOpen) return;
    handshaking_ = false;
    apply(options_.implicit_tls && !was_ready_ && !session_.tls_active() ? session_.on_connected()
                                                                         : session_.on_tls_ready());
    if (closing_) return;
  }
  state = tls_->read(input_);
  if (state == net::TlsSession::State::kFailed) {
    fail("TLS with " + options_.host + ": " + tls_->error());
    return;
  }
  process_input();
  if (!closing_ && state == net::TlsSession::State::kClosed) {
    fail("TLS closed by " + options_.host);
  }
}

void ClientConnection::process_input() {
  while (!closing_) {
    auto r = parser_.next(input_);
    input_.erase(0, r.consumed);
    if (r.kind == ReplyParser::Kind::kNeedMore) return;
    if (r.kind == ReplyParser::Kind::kError) {
      fail(options_.host + " answered garbage (" + r.error + ")");
      return;
    }
    bool tls_before = tls_ != nullptr;
    apply(session_.on_reply(r.reply));
    // STARTTLS: every byte buffered before the handshake is dropped (RFC 3207 §4.2).
    if (!tls_before && tls_ != nullptr) return;
  }
}

void ClientConnection::start_tls() {
  if (!options_.tls) {
    fail("TLS needed with " + options_.host + " but no TLS context");
    return;
  }
  input_.clear();
  parser_.reset();
  tls_ = std::make_unique<net::TlsSession>(options_.tls, options_.host);
  handshaking_ = true;
  auto state = tls_->feed("");
  std::string out;
  tls_->take_output(out);
  if (state == net::TlsSession::State::kFailed) {
    fail("TLS with " + options_.host + ": " + tls_->error());
    return;
  }
  write_raw(std::move(out), false);
}

void ClientConnection::apply(Step step) {
  if (closing_) return;
  if (!step.send.empty()) write_plain(std::move(step.send));
  if (step.start_tls) start_tls();
  if (step.send_body) {
    body_offset_ = 0;
    write_next_body_block();
  }
  if (closing_) return;
  if (step.close) {
    CloseInfo info;
    info.was_ready = was_ready_;
    info.failure = step.failure;
    info.why = step.failure ? step.failure->one_line() : "closed";
    if (step.result) owner_.on_result(*this, std::move(*step.result));
    finish(std::move(info));
    return;
  }
  arm(step.wait);
  if (step.result) owner_.on_result(*this, std::move(*step.result));
  if (!closing_ && session_.ready() && step.wait == Phase::kNone) {
    was_ready_ = true;
    owner_.on_ready(*this);
  }
}

void ClientConnection::send(Transaction transaction, std::shared_ptr<const std::string> body) {
  body_ = std::move(body);
  apply(session_.begin(std::move(transaction)));
}

void ClientConnection::abort(const std::string& why) {
  fail(why);
}

void ClientConnection::quit() {
  if (closing_) return;
  apply(session_.quit());
}

void ClientConnection::write_plain(std::string bytes) {
  if (tls_ && !handshaking_) {
    if (!tls_->write(bytes)) {
      fail("TLS with " + options_.host + ": " + tls_->error());
      return;
    }
    std::string out;
    tls_->take_output(out);
    write_raw(std::move(out), false);
    return;
  }
  write_raw(std::move(bytes), false);
}

void ClientConnection::write_raw(std::string bytes, bool body_block) {
  if (closing_ || bytes.empty()) {
    if (body_block && !closing_) on_body_block_written();
    return;
  }
  auto* w = new WriteReq{{}, std::move(bytes), this, body_block};
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  ++writes_pending_;
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&impl_->tcp), &buf, 1,
                    [](uv_write_t* req, int status) {
                      std::unique_ptr<WriteReq> w(reinterpret_cast<WriteReq*>(req));
                      ClientConnection* self = w->self;
                      --self->writes_pending_;
                      if (self->closing_) return;
                      if (status < 0) {
                        self->fail(std::string("write error: ") + uv_strerror(status));
                        return;
                      }
                      if (w->body_block) self->on_body_block_written();
                    });
  if (rc < 0) {
    --writes_pending_;
    delete w;
    fail(std::string("write error: ") + uv_strerror(rc));
  }
}

void ClientConnection::write_next_body_block() {
  size_t n = std::min(kBodyBlock, body_->size() - body_offset_);
  std::string block = body_->substr(body_offset_, n);
  body_offset_ += n;
  if (tls_ && !handshaking_) {
    if (!tls_->write(block)) {
      fail("TLS with " + options_.host + ": " + tls_->error());
      return;
    }
    block.clear();
    tls_->take_output(block);
  }
  write_raw(std::move(block), true);
}

void ClientConnection::on_body_block_written() {
  if (body_offset_ < body_->size()) {
    arm(Phase::kDataBlock);  // the block timeout restarts with each block
    write_next_body_block();
    return;
  }
  body_.reset();
  apply(session_.on_body_sent());
}

void ClientConnection::arm(Phase phase) {
  if (phase == Phase::kNone && !session_.ready()) return;
  std::string what = phase == Phase::kNone ? "" : std::string(phase_name(phase));
  arm_for(options_.timeouts.for_phase(phase), std::move(what));
}

void ClientConnection::arm_for(std::chrono::milliseconds timeout, std::string what) {
  timer_what_ = std::move(what);
  uv_timer_start(
      &impl_->timer,
      [](uv_timer_t* t) {
        auto* self = static_cast<ClientConnection*>(t->data);
        if (self->timer_what_.empty()) {  // idle between transactions: say goodbye
          self->quit();
          return;
        }
        self->fail("timeout waiting for " + self->timer_what_ + " from " + self->options_.host);
      },
      static_cast<uint64_t>(std::max<int64_t>(timeout.count(), 1)), 0);
}

void ClientConnection::fail(std::string why) {
  if (closing_) return;
  logging::info("outbound: " + options_.host + " [" + address_.to_string() + "]: " + why);
  Step step = session_.abort(make_reply(421, "4.4.2 " + why));
  CloseInfo info;
  info.was_ready = was_ready_;
  info.failure = step.failure;
  info.why = std::move(why);
  if (step.result) owner_.on_result(*this, std::move(*step.result));
  finish(std::move(info));
}

void ClientConnection::finish(CloseInfo info) {
  if (closing_) return;
  closing_ = true;
  uv_timer_stop(&impl_->timer);
  auto closed = [](uv_handle_t* h) {
    auto* self = static_cast<ClientConnection*>(h->data);
    if (--self->impl_->open_handles == 0) delete self;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&impl_->timer), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&impl_->tcp), closed);
  owner_.on_closed(*this, std::move(info));
}

}  // namespace tegami::outbound
