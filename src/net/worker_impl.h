// Internal to tegami_net: the libuv-backed Worker and Connection. Other layers include
// net/worker.h and net/connection.h only.
//
// Lifetime rules (CMake's cmUVHandlePtr): a handle's memory lives until its close callback;
// a write's buffer lives until its write callback. A TcpConnection is freed when both of its
// handles (socket, timer) have closed; a pending write request keeps its own buffer.
#pragma once

#include <uv.h>

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/connection.h"
#include "net/deflate.h"
#include "net/limits.h"
#include "net/tls.h"
#include "net/worker.h"

namespace net::detail {

class WorkerImpl;

struct ListenerRuntime {
  const ListenerSpec* spec = nullptr;
  ProtocolStats* stats = nullptr;
  size_t index = 0;
};

// Shared by all workers; owned by Server::Impl.
struct Shared {
  ServerOptions options;
  std::vector<ListenerSpec> specs;
  std::vector<ListenerRuntime> listeners;
  NetStats stats;
  KeyedLimiter per_ip;
  KeyedLimiter per_domain;
  std::atomic<uint64_t> next_connection_id{1};
  // The live limits (Server::set_limits() changes them for every later check).
  std::atomic<uint32_t> max_connections{0};
  std::atomic<uint32_t> max_connections_per_ip{0};
  std::atomic<size_t> input_buffer_cap{0};
  std::atomic<size_t> output_high_water{0};
  void set_limits(const Limits& l) {
    max_connections = l.max_connections;
    max_connections_per_ip = l.max_connections_per_ip;
    input_buffer_cap = l.input_buffer_cap;
    output_high_water = l.output_high_water;
  }
};

class TcpConnection final : public Connection {
 public:
  TcpConnection(WorkerImpl* worker, const ListenerRuntime* listener, uint64_t id);
  ~TcpConnection() override;

  // Called once after uv_accept succeeded.
  void start();
  uv_tcp_t* tcp() { return &tcp_; }

  // Connection interface.
  uint64_t id() const override { return id_; }
  const ListenerInfo& listener() const override { return listener_->spec->info; }
  const SocketAddress& peer() const override { return peer_; }
  const SocketAddress& local() const override { return local_; }
  bool proxied() const override { return proxied_; }
  bool tls_active() const override;
  std::string tls_server_name() const override;
  std::string tls_version() const override;
  using Connection::send;
  void send(std::string_view bytes) override;
  void send(std::string&& bytes) override;
  void send(std::unique_ptr<PullSource> source) override;
  size_t pending_output() const override;
  bool above_high_water() const override { return above_high_water_; }
  void pause_input() override;
  void resume_input() override;
  maildir::Status start_tls() override;
  maildir::Status start_compression() override;
  bool compression_active() const override { return deflate_ != nullptr; }
  void set_authenticated() override;
  void set_idle_timeout(std::chrono::milliseconds timeout) override;
  TimerId after(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void cancel(TimerId timer) override;
  WatchId watch_fd(int fd, std::function<void()> fn) override;
  void unwatch(WatchId watch) override;
  void run_blocking(std::function<void()> work, std::function<void()> done) override;
  void close() override { close_with(CloseReason::kHandler); }
  void abort() override { abort_with(CloseReason::kHandler); }
  bool closing() const override { return closing_; }

  // For the worker.
  void shutdown_now();  // on_shutdown(), then close with a short flush
  void close_with(CloseReason reason);
  void abort_with(CloseReason reason);

 private:
  enum class Phase { kProxy, kHandshake, kOpen };
  struct Chunk {
    std::string bytes;
    std::unique_ptr<PullSource> source;
  };
  struct UserTimer;
  struct FdWatch;

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  void on_write_done(int status);
  static void on_timer(uv_timer_t* t);
  static void on_handle_closed(uv_handle_t* h);

  void handle_bytes(std::string_view data);
  void handle_proxy_bytes(std::string_view data);
  void peer_known();
  void begin_tls();
  void handshake_done();
  void open_or_refuse();
  void deliver();
  void encode(std::string_view plaintext);
  void encode_raw(std::string_view bytes);
  void flush_compressed();
  bool inflate_input();
  void pump();
  void update_reading();
  void update_water();
  void arm_timer();
  void finish_close();
  void fail(CloseReason reason, std::string_view why);

  WorkerImpl* worker_;
  const ListenerRuntime* listener_;
  uint64_t id_;
  uv_tcp_t tcp_{};
  uv_timer_t timer_{};
  int open_handles_ = 0;

  Phase phase_ = Phase::kOpen;
  SocketAddress peer_, local_, socket_peer_;
  bool proxied_ = false;
  std::unique_ptr<Handler> handler_;
  std::optional<LimitKind> refused_;
  KeyedLimiter::Slot ip_slot_;
  bool counted_ = false;

  std::unique_ptr<TlsSession> tls_;
  bool tls_started_by_handler_ = false;

  std::unique_ptr<DeflateStream> deflate_;  // COMPRESS=DEFLATE: output compressor
  std::unique_ptr<InflateStream> inflate_;  // and input decompressor
  std::string zin_;                         // compressed input not inflated yet (at most the cap)
  bool compress_input_rest_ = false;        // set by start_compression() during on_input()
  bool flush_posted_ = false;               // a Z_SYNC_FLUSH is due at the end of this loop turn

  std::string in_;  // unconsumed input (plaintext, or the PROXY header so far)
  bool input_paused_ = false;
  bool delivering_ = false;
  bool discard_input_ = false;  // set by start_tls() during on_input()
  bool peer_eof_ = false;

  std::list<Chunk> pending_;  // not yet encoded
  size_t pending_bytes_ = 0;  // owned bytes in pending_
  std::string wire_;          // encoded, not yet handed to uv_write
  size_t writing_bytes_ = 0;  // handed to uv_write, not yet confirmed
  bool write_in_flight_ = false;
  bool above_high_water_ = false;
  bool reading_ = false;

  bool authenticated_ = false;
  uint64_t last_activity_ = 0;  // uv_now
  uint64_t opened_at_ = 0;
  uint64_t idle_ms_ = 0, preauth_ms_ = 0;
  uint64_t close_deadline_ = 0;  // uv_now when a flushing close gives up; 0 = not closing

  bool closing_ = false;
  bool handles_closing_ = false;
  CloseReason close_reason_ = CloseReason::kHandler;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unordered_map<TimerId, UserTimer*> timers_;
  TimerId next_timer_ = 1;
  std::unordered_map<WatchId, FdWatch*> watches_;
  WatchId next_watch_ = 1;
};

class WorkerImpl final : public Worker {
 public:
  WorkerImpl(Shared* shared, size_t index);
  ~WorkerImpl() override;

  // Before the thread starts: opens this worker's listening sockets (fds made by the server).
  maildir::Status add_listener(const ListenerRuntime* listener, int fd);
  void start_thread();
  void join();

  size_t index() const override { return index_; }
  void post(std::function<void()> fn) override;
  void run_blocking(std::function<void()> work, std::function<void()> done) override;
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override;
  size_t connection_count() const override { return connections_.size(); }

  // Loop thread.
  void close_listeners();
  void shutdown_connections();  // at the drain deadline
  void finish();                // stop the loop once every connection is gone

  uv_loop_t* loop() { return &loop_; }
  Shared* shared() { return shared_; }
  char* read_buffer() { return read_buffer_.get(); }
  static constexpr size_t kReadBufferSize = 64 * 1024;
  void forget(TcpConnection* c);

 private:
  struct Listener {
    uv_tcp_t tcp{};
    const ListenerRuntime* runtime = nullptr;
    WorkerImpl* worker = nullptr;
  };
  struct WorkerTimer;
  static void on_connection(uv_stream_t* server, int status);
  static void on_async(uv_async_t* a);
  void maybe_end();

  Shared* shared_;
  size_t index_;
  uv_loop_t loop_{};
  uv_async_t async_{};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  bool accepting_posts_ = true;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unordered_map<TcpConnection*, std::unique_ptr<TcpConnection>> connections_;
  std::unordered_map<WorkerTimer*, std::unique_ptr<WorkerTimer>> timers_;
  std::unique_ptr<char[]> read_buffer_;
  bool finishing_ = false;
  bool async_closed_ = false;
};

}  // namespace net::detail
