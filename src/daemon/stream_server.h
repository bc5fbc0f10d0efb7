// A small request/answer server on the daemon's main loop, for the metrics endpoint (TCP) and
// the control socket (unix). Bounded: at most `max_clients` at once (more are closed at
// accept), at most `max_buffer` unconsumed input bytes per client, and an idle timeout.
//
// For every read, on_data(buffer, reply) is called with the client's unconsumed input: it
// erases what it consumed from `buffer`, appends its answer to `reply`, and returns kKeep or
// kClose (close once `reply` and earlier answers are written). A client whose buffer exceeds
// max_buffer after on_data is closed. EOF from the client closes after pending answers.
//
// Lifetime (libuv's rule: handle memory lives until its close callback): every handle is its
// own heap object freed in its close callback. close() detaches all of them from this object,
// so the StreamServer may be destroyed right after close(); the loop must still run to free
// them. Loop thread only.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "maildir/status.h"

namespace tegami::daemon {

class StreamServer {
 public:
  enum class Action { kKeep, kClose };
  using OnData = std::function<Action(std::string& buffer, std::string& reply)>;

  struct Options {
    std::size_t max_clients = 32;
    std::size_t max_buffer = 16 * 1024;
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
  };

  // Listens on address:port (numeric IPv4/IPv6; port 0 = any). kInvalidArgument for a bad
  // address; the bind error otherwise.
  static maildir::Result<std::unique_ptr<StreamServer>> listen_tcp(uv_loop_t* loop,
                                                                   const std::string& address,
                                                                   std::uint16_t port,
                                                                   Options options, OnData on_data);
  // Listens on a unix socket at `path` with permissions `mode` (e.g. 0600). A stale socket
  // file (nobody accepting) is replaced; a live one is kExists (another daemon runs).
  static maildir::Result<std::unique_ptr<StreamServer>> listen_unix(uv_loop_t* loop,
                                                                    const std::string& path,
                                                                    int mode, Options options,
                                                                    OnData on_data);
  ~StreamServer();  // calls close()
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // The bound TCP port (0 for unix sockets).
  std::uint16_t port() const { return port_; }
  // Stops listening and closes every client; a unix socket file is removed. Idempotent.
  void close();

  struct Client;

 private:
  StreamServer(uv_loop_t* loop, Options options, OnData on_data)
      : loop_(loop), options_(options), on_data_(std::move(on_data)) {}
  static void on_connection(uv_stream_t* listener, int status);
  void accept_one();
  void forget(Client* client) { clients_.erase(client); }
  friend struct Client;

  uv_loop_t* loop_;
  Options options_;
  OnData on_data_;
  uv_stream_t* listener_ = nullptr;  // uv_tcp_t or uv_pipe_t, heap, freed on close
  bool is_pipe_ = false;
  std::string unix_path_;
  std::uint16_t port_ = 0;
  std::set<Client*> clients_;
};

// The Status for a libuv error code, with context.
maildir::Status uv_status(int uv_error, const std::string& context);

}  // namespace tegami::daemon
