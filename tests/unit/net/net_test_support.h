// Test helpers for the network tests: certificates made at test time, a blocking client
// (plain or TLS, with bounded waits), and a small line-protocol handler to drive connections.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "net/connection.h"
#include "net/line_framer.h"
#include "net/worker.h"
#include "temp_dir.h"

namespace nettest {

using namespace std::chrono_literals;

// A self-signed certificate for `cn` under `dir`; returns the file pair.
inline net::CertificateFiles make_cert(const std::string& dir, const std::string& cn) {
  net::CertificateFiles f{dir + "/" + cn + ".crt", dir + "/" + cn + ".key"};
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=" +
      cn + " -keyout " + f.key_file + " -out " + f.cert_file + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed");
  return f;
}

// The test handler: a greeting, then line commands.
//   STARTTLS → "OK begin TLS" then start_tls      PEER → "PEER <ip>:<port>" (real client)
//   AUTH → "OK" + set_authenticated                BIG <n> → n bytes of 'x' then CRLF
//   FILE <path> <len> → the file's first len bytes  SLOW → pause, 200 ms off-loop, "DONE"
//   DELAY → "LATER" 100 ms later (a second, cancelled timer never fires)
//   QUIT → "BYE" + close                           anything else → "ECHO <line>"
// Over-long line → "ERR line too long". Limits → "LIMIT <n>", timeouts → "TIMEOUT <n>".
class LineHandler : public net::Handler {
 public:
  void on_open(net::Connection& c) override { c.send("* OK test ready\r\n"); }
  size_t on_input(net::Connection& c, std::string_view data) override {
    size_t used = 0;
    while (used < data.size() && !c.closing() && !c.above_high_water()) {
      auto r = framer_.next(data.substr(used));
      used += r.consumed;
      if (r.kind == net::LineFramer::Kind::kTooLong) {
        c.send("ERR line too long\r\n");
        continue;
      }
      if (r.kind == net::LineFramer::Kind::kNeedMore) {
        if (r.consumed == 0) break;
        continue;
      }
      std::string line(r.line);
      if (!command(c, line)) return used;  // e.g. STARTTLS: stop here
    }
    return used;
  }
  void on_limit(net::Connection& c, net::LimitKind kind) override {
    c.send("LIMIT " + std::to_string(static_cast<int>(kind)) + "\r\n");
  }
  void on_timeout(net::Connection& c, net::TimeoutKind kind) override {
    c.send("TIMEOUT " + std::to_string(static_cast<int>(kind)) + "\r\n");
  }
  void on_shutdown(net::Connection& c) override { c.send("BYE shutting down\r\n"); }

 private:
  bool command(net::Connection& c, const std::string& line) {
    if (line == "STARTTLS") {
      c.send("OK begin TLS\r\n");
      auto st = c.start_tls();
      if (!st.ok()) c.send("NO " + st.message() + "\r\n");
      return false;
    }
    if (line == "PEER") {
      c.send("PEER " + c.peer().to_string() + " LOCAL " + c.local().to_string() + "\r\n");
    } else if (line == "AUTH") {
      c.set_authenticated();
      c.send("OK\r\n");
    } else if (line.rfind("BIG ", 0) == 0) {
      c.send(std::string(std::stoul(line.substr(4)), 'x') + "\r\n");
    } else if (line.rfind("FILE ", 0) == 0) {
      size_t sp = line.rfind(' ');
      auto src = net::open_file_range(line.substr(5, sp - 5), 0, std::stoull(line.substr(sp + 1)));
      if (src.ok()) {
        c.send(std::move(src.value()));
        c.send("\r\nEND\r\n");
      } else {
        c.send("NO " + src.status().to_string() + "\r\n");
      }
    } else if (line == "SLOW") {
      c.pause_input();
      c.run_blocking([] { std::this_thread::sleep_for(200ms); },
                     [&c] {
                       c.send("DONE\r\n");
                       c.resume_input();
                     });
      return false;
    } else if (line == "DELAY") {
      c.after(100ms, [&c] { c.send("LATER\r\n"); });
      auto t = c.after(50ms, [&c] { c.send("CANCELLED\r\n"); });
      c.cancel(t);
    } else if (line == "QUIT") {
      c.send("BYE\r\n");
      c.close();
      return false;
    } else {
      c.send("ECHO " + line + "\r\n");
    }
    return true;
  }
  net::LineFramer framer_{200};
};

inline net::HandlerFactory line_factory() {
  return [](net::Connection&) { return std::make_unique<LineHandler>(); };
}

// A blocking client socket with bounded waits.
class Client {
 public:
  // Connects to 127.0.0.1:port from `source_ip` (any 127.x address is loopback).
  explicit Client(uint16_t port, const char* source_ip = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (source_ip != nullptr) {
      sockaddr_in src{};
      src.sin_family = AF_INET;
      inet_pton(AF_INET, source_ip, &src.sin_addr);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src);
    }
    const char* ip = "127.0.0.1";
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool write(std::string_view data) {
    if (ssl_ != nullptr) return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0;
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads until `needle` is in the buffer, EOF, or the timeout. Returns everything read so
  // far (and keeps it for the next call only after the needle).
  std::string read_until(std::string_view needle, std::chrono::milliseconds timeout = 3s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buf_.find(needle) == std::string::npos && !eof_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      if (!read_some(left)) break;
    }
    size_t at = buf_.find(needle);
    std::string out;
    if (at == std::string::npos) {
      out.swap(buf_);
    } else {
      out = buf_.substr(0, at + needle.size());
      buf_.erase(0, at + needle.size());
    }
    return out;
  }
  std::string line(std::chrono::milliseconds timeout = 3s) { return read_until("\r\n", timeout); }
  // Reads everything until EOF (or timeout); true if EOF was seen.
  bool wait_eof(std::chrono::milliseconds timeout = 3s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      if (!read_some(left)) break;
    }
    return eof_;
  }
  std::string& buffered() { return buf_; }

  // TLS client handshake on this socket (with SNI when non-empty). Returns the error or "".
  std::string start_tls(const std::string& sni = "") {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (!sni.empty()) SSL_set_tlsext_host_name(ssl_, sni.c_str());
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (SSL_connect(ssl_) != 1) {
      char b[256];
      ERR_error_string_n(ERR_get_error(), b, sizeof b);
      SSL_free(ssl_);
      ssl_ = nullptr;
      return std::string("handshake failed: ") + b;
    }
    return "";
  }
  // The CN of the server's certificate (after start_tls).
  std::string peer_cn() {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (cert == nullptr) return "";
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    return cn;
  }
  std::string tls_version() { return ssl_ ? SSL_get_version(ssl_) : ""; }

 private:
  bool read_some(std::chrono::milliseconds left) {
    char tmp[65536];
    if (ssl_ != nullptr && SSL_pending(ssl_) == 0) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    } else if (ssl_ == nullptr) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    }
    ssize_t n = ssl_ != nullptr ? SSL_read(ssl_, tmp, sizeof tmp) : ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      if (ssl_ != nullptr) {
        int e = SSL_get_error(ssl_, static_cast<int>(n));
        if (e == SSL_ERROR_WANT_READ) return true;
      }
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

// A started server with one listener per spec, and certificates for "default.test",
// "one.test" and "two.test" when `tls` is set.
struct TestServer {
  TempDir dir;
  std::shared_ptr<net::TlsStore> store = std::make_shared<net::TlsStore>();
  std::unique_ptr<net::Server> server;

  void load_certs() {
    net::TlsSettings s;
    s.default_certificate = make_cert(dir.path(), "default.test");
    s.domains.push_back({"one.test", make_cert(dir.path(), "one.test")});
    s.domains.push_back({"two.test", make_cert(dir.path(), "two.test")});
    auto set = net::TlsContextSet::load(s);
    if (!set.ok()) throw std::runtime_error(set.status().to_string());
    store->set(set.value());
  }
  std::string start(std::vector<net::ListenerSpec> specs, net::Limits limits = {},
                    unsigned workers = 2) {
    net::ServerOptions o;
    o.workers = workers;
    o.limits = limits;
    o.tls = store;
    o.proxy_header_timeout = 2s;
    auto s = net::Server::start(std::move(o), std::move(specs));
    if (!s.ok()) return s.status().to_string();
    server = std::move(s.value());
    return "";
  }
  uint16_t port(size_t i = 0) const { return server->bound_port(i); }
  // Waits (bounded) until the server counts `n` open connections.
  bool wait_active(int64_t n, std::chrono::milliseconds timeout = 3s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (server->active_connections() != n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
};

inline net::ListenerSpec spec(const std::string& name, net::TlsMode tls = net::TlsMode::kNone) {
  net::ListenerSpec s;
  s.info = {name, "imap", tls};
  s.address = "127.0.0.1";
  s.port = 0;
  s.factory = line_factory();
  return s;
}

}  // namespace nettest
