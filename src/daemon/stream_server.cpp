#include "daemon/stream_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tegami::daemon {

using maildir::Code;
using maildir::Status;

Status uv_status(int uv_error, const std::string& context) {
  // libuv errors are negated errno values on Unix.
  return maildir::from_errno(-uv_error, context + ": " + uv_strerror(uv_error));
}

// One accepted client. Owns its stream and timer handles; freed when both are closed.
struct StreamServer::Client {
  StreamServer* server = nullptr;  // null once detached (server closing or gone)
  uv_stream_t* stream = nullptr;
  uv_timer_t* timer = nullptr;
  std::string buffer;
  char read_buf[4096];
  int open_handles = 0;
  int pending_writes = 0;
  bool closing = false;
  bool close_after_writes = false;

  static void on_handle_closed(uv_handle_t* h) {
    auto* c = static_cast<Client*>(h->data);
    if (reinterpret_cast<uv_handle_t*>(c->timer) == h) {
      delete c->timer;
    } else if (h->type == UV_NAMED_PIPE) {
      delete reinterpret_cast<uv_pipe_t*>(h);
    } else {
      delete reinterpret_cast<uv_tcp_t*>(h);
    }
    if (--c->open_handles == 0) delete c;
  }

  void close() {
    if (closing) return;
    closing = true;
    if (server != nullptr) server->forget(this);
    server = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(stream), on_handle_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(timer), on_handle_closed);
  }

  void touch() {
    if (closing || server == nullptr) return;
    uv_timer_start(
        timer, [](uv_timer_t* t) { static_cast<Client*>(t->data)->close(); },
        static_cast<uint64_t>(server->options_.idle_timeout.count()), 0);
  }

  void write(std::string data) {
    struct Req {
      uv_write_t req;
      std::string data;
      Client* client;
    };
    auto* r = new Req{{}, std::move(data), this};
    uv_buf_t buf = uv_buf_init(r->data.data(), static_cast<unsigned>(r->data.size()));
    ++pending_writes;
    int rc = uv_write(&r->req, stream, &buf, 1, [](uv_write_t* req, int status) {
      auto* w = reinterpret_cast<Req*>(req);
      Client* c = w->client;
      delete w;
      --c->pending_writes;
      if (status < 0 || (c->close_after_writes && c->pending_writes == 0)) c->close();
    });
    if (rc != 0) {
      --pending_writes;
      delete r;
      close();
    }
  }

  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* c = static_cast<Client*>(h->data);
    *buf = uv_buf_init(c->read_buf, sizeof c->read_buf);
  }

  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t*) {
    auto* c = static_cast<Client*>(s->data);
    if (c->closing) return;
    if (n < 0) {
      // EOF or error: answer what is pending, then close.
      uv_read_stop(s);
      if (c->pending_writes == 0) {
        c->close();
      } else {
        c->close_after_writes = true;
      }
      return;
    }
    if (n == 0 || c->server == nullptr) return;
    c->touch();
    c->buffer.append(c->read_buf, static_cast<size_t>(n));
    std::string reply;
    Action action = c->server->on_data_(c->buffer, reply);
    bool overflow = c->buffer.size() > c->server->options_.max_buffer;
    if (!reply.empty()) c->write(std::move(reply));
    if (c->closing) return;
    if (action == Action::kClose || overflow) {
      uv_read_stop(s);
      if (c->pending_writes == 0) {
        c->close();
      } else {
        c->close_after_writes = true;
      }
    }
  }
};

void StreamServer::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<StreamServer*>(listener->data);
  if (status < 0 || self == nullptr) return;
  self->accept_one();
}

void StreamServer::accept_one() {
  auto* c = new Client();
  c->server = this;
  if (is_pipe_) {
    auto* p = new uv_pipe_t;
    uv_pipe_init(loop_, p, 0);
    c->stream = reinterpret_cast<uv_stream_t*>(p);
  } else {
    auto* t = new uv_tcp_t;
    uv_tcp_init(loop_, t);
    c->stream = reinterpret_cast<uv_stream_t*>(t);
  }
  c->stream->data = c;
  c->timer = new uv_timer_t;
  uv_timer_init(loop_, c->timer);
  c->timer->data = c;
  c->open_handles = 2;
  clients_.insert(c);
  if (uv_accept(listener_, c->stream) != 0 || clients_.size() > options_.max_clients) {
    c->close();
    return;
  }
  c->touch();
  uv_read_start(c->stream, Client::on_alloc, Client::on_read);
}

maildir::Result<std::unique_ptr<StreamServer>> StreamServer::listen_tcp(uv_loop_t* loop,
                                                                        const std::string& address,
                                                                        std::uint16_t port,
                                                                        Options options,
                                                                        OnData on_data) {
  sockaddr_storage ss{};
  if (uv_ip4_addr(address.c_str(), port, reinterpret_cast<sockaddr_in*>(&ss)) != 0 &&
      uv_ip6_addr(address.c_str(), port, reinterpret_cast<sockaddr_in6*>(&ss)) != 0) {
    return Status(Code::kInvalidArgument, "not a numeric address: " + address);
  }
  std::unique_ptr<StreamServer> s(new StreamServer(loop, options, std::move(on_data)));
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(loop, tcp);
  tcp->data = s.get();
  s->listener_ = reinterpret_cast<uv_stream_t*>(tcp);
  std::string where = address + " port " + std::to_string(port);
  int rc = uv_tcp_bind(tcp, reinterpret_cast<sockaddr*>(&ss), 0);
  if (rc == 0) rc = uv_listen(s->listener_, 64, on_connection);
  if (rc != 0) return uv_status(rc, "listen on " + where);
  sockaddr_storage bound{};
  int len = sizeof bound;
  if (uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    s->port_ =
        ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  return s;
}

maildir::Result<std::unique_ptr<StreamServer>> StreamServer::listen_unix(uv_loop_t* loop,
                                                                         const std::string& path,
                                                                         int mode, Options options,
                                                                         OnData on_data) {
  sockaddr_un probe{};
  if (path.size() >= sizeof probe.sun_path) {
    return Status(Code::kInvalidArgument, "unix socket path too long: " + path);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Status(Code::kExists, path + " exists and is not a socket");
    }
    probe.sun_family = AF_UNIX;
    std::memcpy(probe.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&probe), sizeof probe) == 0;
    if (fd >= 0) ::close(fd);
    if (live) return Status(Code::kExists, "another tegamid is listening on " + path);
    ::unlink(path.c_str());
  }
  std::unique_ptr<StreamServer> s(new StreamServer(loop, options, std::move(on_data)));
  auto* pipe = new uv_pipe_t;
  uv_pipe_init(loop, pipe, 0);
  pipe->data = s.get();
  s->listener_ = reinterpret_cast<uv_stream_t*>(pipe);
  s->is_pipe_ = true;
  // The socket is created with the umask's mode: make it private from the start.
  mode_t old = ::umask(0177);
  int rc = uv_pipe_bind(pipe, path.c_str());
  ::umask(old);
  if (rc != 0) return uv_status(rc, "bind " + path);
  s->unix_path_ = path;
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    return maildir::from_errno("chmod " + path);
  }
  rc = uv_listen(s->listener_, 16, on_connection);
  if (rc != 0) return uv_status(rc, "listen on " + path);
  return s;
}

void StreamServer::close() {
  if (listener_ != nullptr) {
    listener_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(listener_), [](uv_handle_t* h) {
      if (h->type == UV_NAMED_PIPE) {
        delete reinterpret_cast<uv_pipe_t*>(h);
      } else {
        delete reinterpret_cast<uv_tcp_t*>(h);
      }
    });
    listener_ = nullptr;
  }
  if (!unix_path_.empty()) {
    ::unlink(unix_path_.c_str());
    unix_path_.clear();
  }
  std::set<Client*> clients;
  clients.swap(clients_);
  for (Client* c : clients) {
    c->server = nullptr;
    c->close();
  }
}

StreamServer::~StreamServer() {
  close();
}

}  // namespace tegami::daemon
