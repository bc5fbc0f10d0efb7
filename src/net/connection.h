// One client connection as the protocol layers see it, and the Handler they implement.
//
// A connection is: a socket, an optional TLS transport (implicit, or started by STARTTLS),
// a bounded input buffer, an output queue whose chunks are owned bytes or pull sources (a file
// range streamed without loading it), the idle and pre-auth timers, and the peer and local
// addresses (the real client's after a PROXY header). The implementation lives in the worker
// (socket + libuv); this interface is abstract so protocol tests can drive a handler with a
// fake (see net/fake_connection.h).
//
// Threading: a connection and its handler belong to one worker loop; every method of both is
// called on that loop's thread only. Nothing here throws.
//
// Lifetime: the Connection object outlives every Handler callback; after on_close() returns
// the handler is destroyed and the connection must not be used. close() and abort() may be
// called from inside any callback.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "maildir/status.h"
#include "net/address.h"

namespace net {

class Connection;

// How a listener speaks TLS.
enum class TlsMode {
  kNone,      // plaintext only; start_tls() fails
  kStartTls,  // plaintext, upgraded by start_tls() (STARTTLS / STLS)
  kImplicit,  // TLS from the first byte; on_open() runs after the handshake
};

// Static facts about the listener a connection came in on.
struct ListenerInfo {
  std::string name;      // "imaps", for logs
  std::string protocol;  // "imap", "pop3", "smtp", "submission": the stats key
  TlsMode tls = TlsMode::kNone;
};

enum class LimitKind {
  kTotalConnections,  // the server's connection limit is reached
  kConnectionsPerIp,  // this client IP has too many connections
  kInputOverflow,     // the input buffer is full and the handler consumed nothing
};

enum class TimeoutKind {
  kIdle,     // nothing received for the listener's idle timeout
  kPreAuth,  // not authenticated within the pre-auth timeout since accept
};

enum class CloseReason {
  kPeerClosed,  // EOF or TLS close_notify from the client
  kHandler,     // the handler called close() or abort()
  kLimit,       // after on_limit()
  kTimeout,     // after on_timeout()
  kShutdown,    // the server stopped (after on_shutdown())
  kTlsError,    // handshake or record error
  kIoError,     // socket error, or a pull source failed
  kProxyError,  // bad or missing PROXY header from a trusted source
};
std::string_view close_reason_name(CloseReason reason);

// A source of output bytes pulled as the socket drains, e.g. a message file.
class PullSource {
 public:
  virtual ~PullSource() = default;
  // Copies up to `cap` next bytes into `buf` and returns the count; 0 = the end. An error
  // aborts the connection (the protocol already promised the bytes). Called on the loop
  // thread: keep each call short (one read of at most `cap` bytes).
  virtual maildir::Result<size_t> pull(char* buf, size_t cap) = 0;
  // Appends about `max` next bytes (a little more is allowed) to `out` and returns the count;
  // 0 = the end. The plaintext write path uses it so a source that produces its bytes in a
  // buffer (e.g. POP3's dot-stuffing) can write them straight into the connection's wire
  // buffer; the default goes through pull().
  virtual maildir::Result<size_t> pull_append(std::string& out, size_t max);
};

// `length` bytes of the file at `path` from `offset`, sent as they are (kNotFound,
// kPermission, kIo errors from open). The file is read in pieces as the socket drains; if it
// turns out shorter than `length`, pull() fails with kIo.
maildir::Result<std::unique_ptr<PullSource>> open_file_range(const std::string& path,
                                                             uint64_t offset, uint64_t length);

// What a protocol implements. One handler per connection, made by the listener's factory.
class Handler {
 public:
  virtual ~Handler() = default;

  // The connection is ready (after PROXY and, on implicit-TLS listeners, after the handshake):
  // send the greeting.
  virtual void on_open(Connection& c) = 0;

  // Input arrived. `data` is everything received and not yet consumed (plaintext). Return how
  // many bytes from the front were consumed (0..data.size()); the rest is handed again,
  // with more bytes appended, on the next call. Not called while input is paused or closing.
  // If the buffer reaches the input cap and a call consumes nothing, on_limit(kInputOverflow)
  // follows (use LineFramer to answer over-long lines before that happens).
  // Pipelining and backpressure: between commands, check c.above_high_water() and return
  // early if it is set; no input is delivered while output is above the high-water mark, and
  // what was not consumed is delivered again once the output has drained.
  virtual size_t on_input(Connection& c, std::string_view data) = 0;

  // A limit was hit: send the protocol's error (SMTP "421 4.7.0 ...", POP3 "-ERR [SYS/TEMP]
  // ...", IMAP "* BYE ..."). The connection is then closed after the output is flushed.
  // For the connection limits it replaces on_open() (after the implicit-TLS handshake).
  virtual void on_limit(Connection& c, LimitKind kind) = 0;

  // A timeout fired: send the protocol's goodbye; the connection then closes after flushing.
  virtual void on_timeout(Connection& c, TimeoutKind kind) = 0;

  // The STARTTLS handshake completed (the protocol resets its state as its RFC says).
  virtual void on_tls_ready(Connection& c) { (void)c; }

  // Output fell to half the high-water mark after having been above it: a handler that
  // produces output in steps (e.g. a FETCH of many messages) continues here.
  virtual void on_writable(Connection& c) { (void)c; }

  // The server is stopping and the drain deadline passed: say goodbye (IMAP "* BYE shutting
  // down", SMTP "421 4.3.2 ..."). The connection closes after a short flush.
  virtual void on_shutdown(Connection& c) { (void)c; }

  // Last call; the socket is closed or closing. Release per-connection resources here.
  virtual void on_close(Connection& c, CloseReason reason) {
    (void)c;
    (void)reason;
  }
};

// Makes the handler for a new connection; called on its loop thread once the real peer is
// known (after PROXY), before any other callback. Must not return nullptr.
using HandlerFactory = std::function<std::unique_ptr<Handler>(Connection& c)>;

class Connection {
 public:
  using TimerId = uint64_t;
  virtual ~Connection() = default;

  // --- facts -----------------------------------------------------------------------------
  virtual uint64_t id() const = 0;  // unique within the process
  virtual const ListenerInfo& listener() const = 0;
  virtual const SocketAddress& peer() const = 0;    // the real client (after PROXY)
  virtual const SocketAddress& local() const = 0;   // the address the client connected to
  virtual bool proxied() const = 0;                 // peer/local came from a PROXY header
  virtual bool tls_active() const = 0;              // the TLS handshake has completed
  virtual std::string tls_server_name() const = 0;  // SNI, "" without TLS or SNI
  virtual std::string tls_version() const = 0;      // "TLSv1.3", "" without TLS

  // --- output ----------------------------------------------------------------------------
  // Queue bytes (copied / moved). Sending on a closing connection is ignored.
  virtual void send(std::string_view bytes) = 0;
  virtual void send(std::string&& bytes) = 0;
  // Queue a pull source; its bytes go out in order with the other chunks.
  virtual void send(std::unique_ptr<PullSource> source) = 0;
  // A string literal (picks the string_view overload).
  void send(const char* bytes) { send(std::string_view(bytes)); }
  // Bytes queued but not yet written to the socket (pull sources count what was pulled).
  virtual size_t pending_output() const = 0;
  // While true, the connection neither reads from the socket nor calls on_input().
  virtual bool above_high_water() const = 0;

  // --- input -----------------------------------------------------------------------------
  // Stop / restart delivering input to on_input() (e.g. while a password check runs off the
  // loop). Bytes keep being buffered up to the cap; resume redelivers what is buffered.
  virtual void pause_input() = 0;
  virtual void resume_input() = 0;

  // --- TLS -------------------------------------------------------------------------------
  // Switch to TLS (STARTTLS / STLS), after the handler has queued its "go ahead" reply:
  // the reply is flushed in plaintext, then the handshake runs; on_tls_ready() follows.
  // Every input byte received before this call is discarded, including the unconsumed rest
  // of the data given to the current on_input() (whatever it returns): a pipelined command
  // after STARTTLS is never answered. Errors: kInvalidArgument when TLS is already active or
  // the listener has no TLS (TlsMode::kNone) or no certificate is loaded.
  virtual maildir::Status start_tls() = 0;

  // --- compression (IMAP COMPRESS=DEFLATE, RFC 4978) --------------------------------------
  // Call after the handler has queued its OK: everything queued so far leaves uncompressed;
  // every later byte sent is raw-deflated (under TLS when TLS is on), flushed (Z_SYNC_FLUSH)
  // whenever the output queue runs empty; every byte received from now on — including the
  // unconsumed rest of the data given to the current on_input() — is inflated before
  // on_input() sees it (at most the input cap is inflated ahead). Bad compressed input closes
  // the connection (kIoError). Errors: kInvalidArgument when compression is already active,
  // kIo when zlib cannot start.
  virtual maildir::Status start_compression() = 0;
  virtual bool compression_active() const = 0;

  // --- session state ---------------------------------------------------------------------
  // The client logged in: stops the pre-auth timer.
  virtual void set_authenticated() = 0;
  // Replace the idle timeout (e.g. IMAP IDLE, SMTP DATA); zero disables it.
  virtual void set_idle_timeout(std::chrono::milliseconds timeout) = 0;

  // --- timers and blocking work ----------------------------------------------------------
  // Run `fn` on the loop thread after `delay`, unless cancelled or the connection closed
  // first (e.g. the failed-AUTH delay).
  virtual TimerId after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  virtual void cancel(TimerId timer) = 0;
  // Calls `fn` on the loop thread whenever `fd` is readable (level-triggered: `fn` must drain
  // it, e.g. a maildir::Watcher's inotify fd), until unwatch() or the connection closes. The
  // fd stays the caller's; unwatch() before closing it. Returns 0 (and never calls `fn`) when
  // the connection is closing or the fd cannot be polled: the caller falls back to a timer.
  using WatchId = uint64_t;
  virtual WatchId watch_fd(int fd, std::function<void()> fn) = 0;
  virtual void unwatch(WatchId watch) = 0;
  // Run `work` on the libuv thread pool (fsync, password hashing, big scans), then `done` on
  // the loop thread — only if the connection is still open; `work` must not touch the
  // connection or handler (capture what it needs by value).
  virtual void run_blocking(std::function<void()> work, std::function<void()> done) = 0;

  // --- closing ---------------------------------------------------------------------------
  // Close after the queued output is written (bounded by a short flush deadline). No more
  // input is delivered.
  virtual void close() = 0;
  // Close now, dropping queued output.
  virtual void abort() = 0;
  virtual bool closing() const = 0;
};

}  // namespace net
