// A Connection without a socket, for the protocol layers' unit tests: drive a Handler by hand
// and look at what it sent. Single-threaded; no libuv.
//
//   net::FakeConnection c;                 // peer 192.0.2.7:40000, local 192.0.2.1:143
//   MyHandler h;  h.on_open(c);            // c.output() == "* OK ...\r\n"
//   c.feed(h, "A1 LOGIN a b\r\n");          // calls on_input like the real connection
//   c.take_output();                       // returns and clears what was sent
//
// Blocking work runs when run_pending_work() is called (so tests can look at the state in
// between), timers fire when fire_timers() is called; both skip after close().
#pragma once

#include <poll.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "net/connection.h"

namespace net {

class FakeConnection final : public Connection {
 public:
  FakeConnection() {
    info_ = {"test", "imap", TlsMode::kStartTls};
    peer_ = *SocketAddress::parse("192.0.2.7", 40000);
    local_ = *SocketAddress::parse("192.0.2.1", 143);
  }
  explicit FakeConnection(ListenerInfo info) : FakeConnection() { info_ = std::move(info); }

  // --- test controls ---------------------------------------------------------------------
  // Appends `bytes` to the input and delivers it as TcpConnection does (until the handler
  // consumes nothing, pauses, closes or starts TLS). Returns the bytes left unconsumed.
  size_t feed(Handler& h, std::string_view bytes) {
    in_ += bytes;
    return deliver(h);
  }
  size_t deliver(Handler& h) {
    size_t cursor = 0;
    while (!closing_ && !paused_ && cursor < in_.size()) {
      size_t n = h.on_input(*this, std::string_view(in_).substr(cursor));
      if (discard_) {
        discard_ = false;
        in_.clear();
        return 0;
      }
      if (n == 0) break;
      cursor += n;
    }
    in_.erase(0, cursor);
    return in_.size();
  }
  std::string take_output() { return std::exchange(out_, std::string()); }
  const std::string& output() const { return out_; }
  void set_peer(const SocketAddress& a) { peer_ = a; }
  void set_tls_active(bool on, std::string sni = "") {
    tls_ = on;
    sni_ = std::move(sni);
  }
  void set_above_high_water(bool v) { high_water_ = v; }
  bool paused() const { return paused_; }
  bool authenticated() const { return authenticated_; }
  bool tls_requested() const { return tls_requested_; }
  std::chrono::milliseconds idle_timeout() const { return idle_; }
  void run_pending_work() {
    auto jobs = std::exchange(work_, {});
    for (auto& [work, done] : jobs) {
      work();
      if (!closing_ && done) done();
    }
  }
  // Fires every timer due within `elapsed` of now (fake time), in order.
  void fire_timers(std::chrono::milliseconds elapsed) {
    now_ += elapsed;
    while (!timers_.empty() && timers_.begin()->first.first <= now_) {
      auto fn = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
      if (!closing_ && fn) fn();
    }
  }
  bool aborted() const { return aborted_; }

  // --- Connection ------------------------------------------------------------------------
  uint64_t id() const override { return 1; }
  const ListenerInfo& listener() const override { return info_; }
  const SocketAddress& peer() const override { return peer_; }
  const SocketAddress& local() const override { return local_; }
  bool proxied() const override { return false; }
  bool tls_active() const override { return tls_; }
  std::string tls_server_name() const override { return sni_; }
  std::string tls_version() const override { return tls_ ? "TLSv1.3" : ""; }
  using Connection::send;
  void send(std::string_view bytes) override {
    if (!closing_) out_ += bytes;
  }
  void send(std::string&& bytes) override {
    if (!closing_) out_ += bytes;
  }
  void send(std::unique_ptr<PullSource> source) override {
    char buf[16384];
    while (!closing_ && source) {
      auto n = source->pull(buf, sizeof buf);
      if (!n.ok()) {
        abort();
        return;
      }
      if (n.value() == 0) break;
      out_.append(buf, n.value());
    }
  }
  size_t pending_output() const override { return 0; }
  bool above_high_water() const override { return high_water_; }
  void pause_input() override { paused_ = true; }
  void resume_input() override { paused_ = false; }
  maildir::Status start_tls() override {
    if (tls_ || info_.tls == TlsMode::kNone) {
      return maildir::Status(maildir::Code::kInvalidArgument, "TLS not available");
    }
    tls_requested_ = true;
    tls_ = true;  // the test then calls the handler's on_tls_ready() itself
    discard_ = true;
    return maildir::Status::Ok();
  }
  maildir::Status start_compression() override {
    if (compressed_) return maildir::Status(maildir::Code::kInvalidArgument, "already active");
    compressed_ = true;  // the fake records the switch; bytes stay plain for the test
    return maildir::Status::Ok();
  }
  bool compression_active() const override { return compressed_; }
  void set_authenticated() override { authenticated_ = true; }
  void set_idle_timeout(std::chrono::milliseconds timeout) override { idle_ = timeout; }
  TimerId after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    TimerId id = next_timer_++;
    timers_.emplace(std::make_pair(now_ + delay, id), std::move(fn));
    return id;
  }
  void cancel(TimerId timer) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.second == timer) {
        timers_.erase(it);
        return;
      }
    }
  }
  WatchId watch_fd(int fd, std::function<void()> fn) override {
    if (closing_ || fd < 0) return 0;
    WatchId id = next_watch_++;
    watches_[id] = {fd, std::move(fn)};
    return id;
  }
  void unwatch(WatchId watch) override { watches_.erase(watch); }
  // Tests: calls every watch whose fd is readable now (poll with zero timeout).
  void fire_watches() {
    std::vector<std::function<void()>> ready;
    for (auto& [id, w] : watches_) {
      (void)id;
      struct pollfd p {};
      p.fd = w.first;
      p.events = POLLIN;
      if (::poll(&p, 1, 0) == 1) ready.push_back(w.second);
    }
    for (auto& f : ready) {
      if (!closing_) f();
    }
  }
  size_t watch_count() const { return watches_.size(); }
  void run_blocking(std::function<void()> work, std::function<void()> done) override {
    work_.emplace_back(std::move(work), std::move(done));
  }
  void close() override { closing_ = true; }
  void abort() override {
    closing_ = true;
    aborted_ = true;
  }
  bool closing() const override { return closing_; }

 private:
  ListenerInfo info_;
  SocketAddress peer_, local_;
  std::string in_, out_, sni_;
  bool compressed_ = false;
  bool tls_ = false, tls_requested_ = false, discard_ = false, paused_ = false;
  bool authenticated_ = false, closing_ = false, aborted_ = false, high_water_ = false;
  std::chrono::milliseconds idle_{0}, now_{0};
  TimerId next_timer_ = 1;
  std::map<std::pair<std::chrono::milliseconds, TimerId>, std::function<void()>> timers_;
  std::vector<std::pair<std::function<void()>, std::function<void()>>> work_;
  WatchId next_watch_ = 1;
  std::map<WatchId, std::pair<int, std::function<void()>>> watches_;
};

}  // namespace net
