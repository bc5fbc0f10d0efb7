// The network server: N worker threads, each with its own libuv loop, all accepting on every
// listener (one SO_REUSEPORT socket per listener per worker, so the kernel spreads clients).
//
// The daemon builds a Server from plain structs (no config library here), keeps it while it
// runs, and calls stop() on SIGTERM. Connections live on the worker that accepted them; see
// net/connection.h for what a protocol handler sees.
//
// Threading: start(), stop(), post() and the accessors may be called from any thread that is
// not a worker thread (post() may be called from anywhere). Worker::run_blocking() and
// Worker::after() only on that worker's own loop thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "maildir/status.h"
#include "net/address.h"
#include "net/connection.h"
#include "net/limits.h"
#include "net/tls.h"

namespace net {

struct ListenerSpec {
  ListenerInfo info;             // name, protocol (stats key), TLS mode
  std::string address;           // numeric: "127.0.0.1", "0.0.0.0", "::" (v6 only), "::1"
  uint16_t port = 0;             // 0 = any free port (tests); see Server::bound_port()
  std::vector<Cidr> proxy_from;  // TCP peers that must send a PROXY v1/v2 header first
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(30)};     // zero = none
  std::chrono::milliseconds preauth_timeout{std::chrono::seconds(60)};  // zero = none
  HandlerFactory factory;                                               // REQUIRES: set
};

struct ServerOptions {
  unsigned workers = 0;  // 0 = number of CPUs
  Limits limits;
  // Certificates for TLS listeners; the daemon swaps the set inside on reload. May be null
  // when no listener uses TLS. Shared so the daemon keeps its handle.
  std::shared_ptr<TlsStore> tls;
  // Applied to new connections' PROXY header wait (a trusted peer that sends nothing).
  std::chrono::milliseconds proxy_header_timeout{std::chrono::seconds(10)};
};

class Server;

// One worker thread and its loop.
class Worker {
 public:
  virtual ~Worker() = default;
  virtual size_t index() const = 0;
  // Thread-safe: run `fn` on this worker's loop thread soon (dropped if the worker stopped).
  virtual void post(std::function<void()> fn) = 0;
  // Loop thread only: `work` on the libuv thread pool, then `done` on this loop thread.
  virtual void run_blocking(std::function<void()> work, std::function<void()> done) = 0;
  // Loop thread only: one-shot timer; dropped (never runs) once the worker is stopping.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  // Loop thread only: connections open on this worker now.
  virtual size_t connection_count() const = 0;
};

class Server {
 public:
  // Sets SIGPIPE to ignored (process-wide): socket write errors are handled as values.
  // Binds every listener on every worker (IPv4 and IPv6; "::" is IPv6-only, list "0.0.0.0"
  // too for both) and starts the worker threads. Errors: kInvalidArgument for a bad address
  // or a TLS listener without certificates, and the socket errors from bind/listen (kPermission
  // for a privileged port, kExists for EADDRINUSE... as mapped by maildir::from_errno).
  static maildir::Result<std::unique_ptr<Server>> start(ServerOptions options,
                                                        std::vector<ListenerSpec> listeners);
  // Stops (with a zero drain) if stop() was not called.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port listener `i` (in the order given to start()) is bound to.
  uint16_t bound_port(size_t i) const;
  size_t worker_count() const;
  Worker& worker(size_t i);
  // Runs `fn` on every worker's loop thread (e.g. kick a user: each worker looks at its own).
  void post_all(std::function<void(Worker&)> fn);
  // Reload: new limits for every later check (new connections, buffer checks of open ones).
  // Thread-safe. Connections over a lowered limit are not closed.
  void set_limits(const Limits& limits);
  // Counters for the metrics endpoint.
  const NetStats& stats() const;
  // Per-IP counts, also usable by protocols (e.g. a "who" listing).
  KeyedLimiter& per_ip() const;
  // The per-domain counters protocols consult after login, keyed "<protocol>:<domain>" (e.g.
  // "imap:example.com"); one registry for all workers. The protocol holds the Slot for the
  // session's lifetime. Thread-safe.
  KeyedLimiter& per_domain() const;
  // Total open connections across workers.
  int64_t active_connections() const;

  // Graceful stop: close the listeners at once, let open connections finish on their own for
  // up to `drain`, then call on_shutdown() on the rest, flush briefly and close them, and join
  // the worker threads. Blocks until done. Idempotent.
  void stop(std::chrono::milliseconds drain);

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace net
