// One outgoing SMTP connection on a libuv loop: TCP connect, optional implicit TLS, the
// ClientSession state machine fed by the ReplyParser, STARTTLS over net::TlsSession, the body
// written in blocks, and one timer per phase (RFC 5321 §4.5.3.2).
//
// Bounded: input is only the unfinished reply line (the parser refuses lines and replies over
// its limits), output is the commands of one step or one body block at a time.
//
// Lifetime: made with `new`, owned by itself. The Owner hears on_ready() each time a
// transaction may start (send() then), on_result() after each transaction and on_closed()
// exactly once at the end; after on_closed() the object frees itself once libuv has closed its
// handles and must not be used. Loop thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/address.h"
#include "net/tls.h"
#include "outbound/client_session.h"
#include "outbound/reply_parser.h"

struct uv_loop_s;

namespace tegami::outbound {

struct Timeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(30)};
  std::chrono::milliseconds greeting{std::chrono::minutes(5)};
  std::chrono::milliseconds command{std::chrono::minutes(5)};  // EHLO, STARTTLS, AUTH, RSET
  std::chrono::milliseconds mail{std::chrono::minutes(5)};
  std::chrono::milliseconds rcpt{std::chrono::minutes(5)};
  std::chrono::milliseconds data_init{std::chrono::minutes(2)};
  std::chrono::milliseconds data_block{std::chrono::minutes(3)};
  std::chrono::milliseconds data_end{std::chrono::minutes(10)};
  std::chrono::milliseconds reuse_idle{std::chrono::seconds(5)};  // idle, then QUIT
  std::chrono::milliseconds for_phase(Phase phase) const;
};

struct ConnectionOptions {
  SessionSettings session;
  bool implicit_tls = false;                         // TLS from the first byte (port 465)
  std::shared_ptr<const net::TlsClientContext> tls;  // null: no TLS at all
  std::string host;                                  // the server's name (SNI, logs)
  Timeouts timeouts;
  ReplyLimits limits;
};

class ClientConnection {
 public:
  struct CloseInfo {
    bool was_ready = false;        // the session got ready at least once
    std::optional<Reply> failure;  // session-level failure (server reply or made-up 4xx)
    std::string why;               // for logs: "connect 127.0.0.1:25: connection refused"
  };
  class Owner {
   public:
    virtual ~Owner() = default;
    virtual void on_ready(ClientConnection& c) = 0;
    virtual void on_result(ClientConnection& c, TransactionResult result) = 0;
    virtual void on_closed(ClientConnection& c, CloseInfo info) = 0;
  };

  // Starts connecting at once.
  static ClientConnection* open(uv_loop_s* loop, Owner& owner, ConnectionOptions options,
                                const net::SocketAddress& address);

  // REQUIRES: ready(). `body` from make_wire_body(); shared so several deliveries can hold it.
  void send(Transaction transaction, std::shared_ptr<const std::string> body);
  // QUIT (when ready) and close; on_closed() follows.
  void quit();
  // Close now; a transaction in progress ends with 421 `why` for its open recipients.
  void abort(const std::string& why);
  bool ready() const { return session_.ready() && !closing_; }
  const std::string& host() const { return options_.host; }
  const net::SocketAddress& address() const { return address_; }
  bool tls_active() const { return session_.tls_active(); }
  // What the server offered in its (last) EHLO reply; meaningful once ready().
  const Capabilities& capabilities() const { return session_.capabilities(); }

  // Implementation details used by the libuv callbacks.
  struct Impl;

 private:
  ClientConnection(uv_loop_s* loop, Owner& owner, ConnectionOptions options,
                   const net::SocketAddress& address);
  ~ClientConnection();
  void start();
  void apply(Step step);
  void on_connect(int status);
  void on_read(const char* data, size_t n);
  void on_eof_or_error(std::string why);
  void process_input();
  void start_tls();
  void write_plain(std::string bytes);
  void write_raw(std::string bytes, bool body_block);
  void write_next_body_block();
  void on_body_block_written();
  void arm(Phase phase);
  void arm_for(std::chrono::milliseconds timeout, std::string what);
  void fail(std::string why);
  void finish(CloseInfo info);

  std::unique_ptr<Impl> impl_;
  Owner& owner_;
  ConnectionOptions options_;
  net::SocketAddress address_;
  ClientSession session_;
  ReplyParser parser_;
  std::unique_ptr<net::TlsSession> tls_;
  bool handshaking_ = false;
  std::string input_;
  std::shared_ptr<const std::string> body_;
  size_t body_offset_ = 0;
  size_t writes_pending_ = 0;
  bool was_ready_ = false;
  bool closing_ = false;
  std::string timer_what_;
};

}  // namespace tegami::outbound
