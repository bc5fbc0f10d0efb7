// The network core end to end: real sockets on 127.0.0.1 port 0, worker loops, TLS.
#include <doctest/doctest.h>

#include <fstream>

#include "net/proxy_protocol.h"
#include "net_test_support.h"

using namespace nettest;
using net::TlsMode;

TEST_CASE("plaintext_line_echo_and_quit") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}) == "");
  Client c(ts.port());
  REQUIRE(c.connected());
  CHECK(c.line() == "* OK test ready\r\n");
  c.write("hello\r\nworld\r\n");
  CHECK(c.line() == "ECHO hello\r\n");
  CHECK(c.line() == "ECHO world\r\n");
  c.write("QUIT\r\n");
  CHECK(c.line() == "BYE\r\n");
  CHECK(c.wait_eof());
  CHECK(ts.wait_active(0));
  const auto* st = ts.server->stats().find("imap");
  REQUIRE(st != nullptr);
  CHECK(st->accepted.load() == 1);
  CHECK(st->bytes_in.load() == 20);
  CHECK(st->bytes_out.load() > 30);
}

TEST_CASE("implicit_tls_greets_after_handshake") {
  TestServer ts;
  ts.load_certs();
  REQUIRE(ts.start({spec("imaps", TlsMode::kImplicit)}) == "");
  Client c(ts.port());
  REQUIRE(c.start_tls() == "");
  CHECK(c.tls_version().rfind("TLSv1.", 0) == 0);
  CHECK(c.peer_cn() == "default.test");
  CHECK(c.line() == "* OK test ready\r\n");
  c.write("ping\r\n");
  CHECK(c.line() == "ECHO ping\r\n");
}

TEST_CASE("tls_below_1_2_is_refused") {
  TestServer ts;
  ts.load_certs();
  REQUIRE(ts.start({spec("imaps", TlsMode::kImplicit)}) == "");
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  Client c(ts.port());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, c.fd());
  CHECK(SSL_connect(ssl) != 1);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
}

TEST_CASE("sni_picks_the_domain_certificate") {
  TestServer ts;
  ts.load_certs();
  REQUIRE(ts.start({spec("imaps", TlsMode::kImplicit)}) == "");
  for (auto [sni, cn] : {std::pair{"one.test", "one.test"},
                         {"two.test", "two.test"},
                         {"mail.two.test", "two.test"},
                         {"ONE.TEST", "one.test"},
                         {"other.example", "default.test"},
                         {"", "default.test"}}) {
    Client c(ts.port());
    REQUIRE(c.start_tls(sni) == "");
    CHECK_MESSAGE(c.peer_cn() == cn, "sni=", sni);
    CHECK(c.line() == "* OK test ready\r\n");
  }
}

TEST_CASE("starttls_upgrades_the_session") {
  TestServer ts;
  ts.load_certs();
  REQUIRE(ts.start({spec("imap", TlsMode::kStartTls)}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  c.write("STARTTLS\r\n");
  CHECK(c.line() == "OK begin TLS\r\n");
  REQUIRE(c.start_tls("two.test") == "");
  CHECK(c.peer_cn() == "two.test");
  c.write("after\r\n");
  CHECK(c.line() == "ECHO after\r\n");
  c.write("STARTTLS\r\n");  // twice: refused, session goes on
  CHECK(c.line() == "OK begin TLS\r\n");
  CHECK(c.line().rfind("NO ", 0) == 0);
}

TEST_CASE("starttls_refused_on_plain_listener") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap", TlsMode::kNone)}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  c.write("STARTTLS\r\nnext\r\n");
  CHECK(c.line() == "OK begin TLS\r\n");
  CHECK(c.line().rfind("NO ", 0) == 0);
}

// The CVE-2011-0411 class: plaintext pipelined after STARTTLS must not be executed inside the
// TLS session.
TEST_CASE("starttls_discards_pipelined_plaintext") {
  TestServer ts;
  ts.load_certs();
  REQUIRE(ts.start({spec("imap", TlsMode::kStartTls)}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  REQUIRE(c.write("STARTTLS\r\nCOMMAND\r\n"));  // one write
  CHECK(c.line() == "OK begin TLS\r\n");
  CHECK(c.buffered().empty());
  REQUIRE(c.start_tls() == "");
  c.write("marker\r\n");
  // The first answer inside TLS is to "marker": COMMAND was never answered.
  std::string first = c.line();
  CHECK(first == "ECHO marker\r\n");
  CHECK(first.find("COMMAND") == std::string::npos);
}

TEST_CASE("line_too_long_gets_the_protocol_error_and_session_continues") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  c.write(std::string(5000, 'a') + "\r\nshort\r\n");
  CHECK(c.line() == "ERR line too long\r\n");
  CHECK(c.line() == "ECHO short\r\n");
}

TEST_CASE("input_overflow_when_handler_consumes_nothing") {
  struct Hoarder : LineHandler {
    size_t on_input(net::Connection&, std::string_view) override { return 0; }
  };
  TestServer ts;
  auto s = spec("imap");
  s.factory = [](net::Connection&) { return std::make_unique<Hoarder>(); };
  net::Limits lim;
  lim.input_buffer_cap = 4096;
  REQUIRE(ts.start({s}, lim) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  c.write(std::string(10000, 'a'));
  CHECK(c.line() == "LIMIT 2\r\n");  // kInputOverflow
  CHECK(c.wait_eof());
}

TEST_CASE("connection_limit_total_answers_then_closes") {
  TestServer ts;
  net::Limits lim;
  lim.max_connections = 2;
  REQUIRE(ts.start({spec("imap")}, lim) == "");
  Client a(ts.port()), b(ts.port());
  CHECK(a.line() == "* OK test ready\r\n");
  CHECK(b.line() == "* OK test ready\r\n");
  Client c(ts.port());
  CHECK(c.line() == "LIMIT 0\r\n");  // kTotalConnections
  CHECK(c.wait_eof());
  CHECK(ts.server->stats().find("imap")->refused.load() == 1);
  a.write("QUIT\r\n");
  CHECK(a.wait_eof());
  REQUIRE(ts.wait_active(1));
  Client d(ts.port());
  CHECK(d.line() == "* OK test ready\r\n");
}

TEST_CASE("connection_limit_per_ip_answers_then_closes") {
  TestServer ts;
  net::Limits lim;
  lim.max_connections_per_ip = 2;
  REQUIRE(ts.start({spec("imap")}, lim) == "");
  Client a(ts.port()), b(ts.port());
  CHECK(a.line() == "* OK test ready\r\n");
  CHECK(b.line() == "* OK test ready\r\n");
  Client c(ts.port());
  CHECK(c.line() == "LIMIT 1\r\n");  // kConnectionsPerIp
  CHECK(c.wait_eof());
  // Another source address (127.0.0.2 is loopback too) is not affected.
  Client d(ts.port(), "127.0.0.2");
  CHECK(d.line() == "* OK test ready\r\n");
}

TEST_CASE("connection_limit_applies_after_implicit_tls") {
  TestServer ts;
  ts.load_certs();
  net::Limits lim;
  lim.max_connections_per_ip = 1;
  REQUIRE(ts.start({spec("imaps", TlsMode::kImplicit)}, lim) == "");
  Client a(ts.port());
  REQUIRE(a.start_tls() == "");
  CHECK(a.line() == "* OK test ready\r\n");
  Client b(ts.port());
  REQUIRE(b.start_tls() == "");
  CHECK(b.line() == "LIMIT 1\r\n");
}

TEST_CASE("idle_timeout_says_goodbye") {
  TestServer ts;
  auto s = spec("imap");
  s.idle_timeout = 300ms;
  s.preauth_timeout = 0ms;
  REQUIRE(ts.start({s}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  // Activity keeps it open.
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(150ms);
    c.write("x\r\n");
    CHECK(c.line() == "ECHO x\r\n");
  }
  auto t0 = std::chrono::steady_clock::now();
  CHECK(c.line(2s) == "TIMEOUT 0\r\n");  // kIdle
  CHECK(std::chrono::steady_clock::now() - t0 >= 250ms);
  CHECK(c.wait_eof());
}

TEST_CASE("preauth_timeout_despite_activity_and_stopped_by_auth") {
  TestServer ts;
  auto s = spec("imap");
  s.idle_timeout = 0ms;
  s.preauth_timeout = 400ms;
  REQUIRE(ts.start({s}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(100ms);
    c.write("x\r\n");
    CHECK(c.line() == "ECHO x\r\n");
  }
  CHECK(c.line(2s) == "TIMEOUT 1\r\n");  // kPreAuth
  CHECK(std::chrono::steady_clock::now() - t0 >= 350ms);
  CHECK(c.wait_eof());

  Client d(ts.port());
  CHECK(d.line() == "* OK test ready\r\n");
  d.write("AUTH\r\n");
  CHECK(d.line() == "OK\r\n");
  std::this_thread::sleep_for(700ms);
  d.write("still\r\n");
  CHECK(d.line() == "ECHO still\r\n");
}

static std::string proxy_v2_tcp4(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
  h += '\x21';
  h += '\x11';
  h += '\0';
  h += '\x0c';
  in_addr a{}, b{};
  inet_pton(AF_INET, src, &a);
  inet_pton(AF_INET, dst, &b);
  h.append(reinterpret_cast<char*>(&a), 4);
  h.append(reinterpret_cast<char*>(&b), 4);
  uint16_t sp = htons(sport), dp = htons(dport);
  h.append(reinterpret_cast<char*>(&sp), 2);
  h.append(reinterpret_cast<char*>(&dp), 2);
  return h;
}

TEST_CASE("proxy_v1_and_v2_on_trusting_listener_set_the_peer") {
  TestServer ts;
  auto s = spec("imap");
  s.proxy_from = {*net::Cidr::parse("127.0.0.0/8")};
  REQUIRE(ts.start({s}) == "");
  {
    Client c(ts.port());
    c.write("PROXY TCP4 198.51.100.7 192.0.2.1 40000 143\r\nPEER\r\n");  // header + command
    CHECK(c.line() == "* OK test ready\r\n");
    CHECK(c.line() == "PEER 198.51.100.7:40000 LOCAL 192.0.2.1:143\r\n");
  }
  {
    Client c(ts.port());
    c.write(proxy_v2_tcp4("203.0.113.9", 5555, "192.0.2.1", 993));
    CHECK(c.line() == "* OK test ready\r\n");
    c.write("PEER\r\n");
    CHECK(c.line() == "PEER 203.0.113.9:5555 LOCAL 192.0.2.1:993\r\n");
  }
  {
    Client c(ts.port());  // trusted source without a header: refused
    c.write("HELLO\r\n");
    CHECK(c.wait_eof());
    CHECK(c.buffered().empty());
  }
}

TEST_CASE("proxy_header_refused_on_non_trusting_listener") {
  TestServer ts;
  auto s = spec("imap");
  s.proxy_from = {*net::Cidr::parse("192.0.2.0/24")};  // not us
  REQUIRE(ts.start({s}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  c.write("PROXY TCP4 198.51.100.7 192.0.2.1 40000 143\r\nPEER\r\n");
  CHECK(c.line() == "ECHO PROXY TCP4 198.51.100.7 192.0.2.1 40000 143\r\n");
  CHECK(c.line().rfind("PEER 127.0.0.1:", 0) == 0);
}

TEST_CASE("per_ip_limit_counts_the_real_client_after_proxy") {
  TestServer ts;
  auto s = spec("imap");
  s.proxy_from = {*net::Cidr::parse("127.0.0.1")};
  net::Limits lim;
  lim.max_connections_per_ip = 1;
  REQUIRE(ts.start({s}, lim) == "");
  Client a(ts.port());
  a.write("PROXY TCP4 198.51.100.7 192.0.2.1 40000 143\r\n");
  CHECK(a.line() == "* OK test ready\r\n");
  Client b(ts.port());
  b.write("PROXY TCP4 198.51.100.8 192.0.2.1 40000 143\r\n");
  CHECK(b.line() == "* OK test ready\r\n");
  Client c(ts.port());
  c.write("PROXY TCP4 198.51.100.7 192.0.2.1 40001 143\r\n");
  CHECK(c.line() == "LIMIT 1\r\n");
}

TEST_CASE("output_high_water_stops_reading") {
  TestServer ts;
  net::Limits lim;
  lim.output_high_water = 64 * 1024;
  REQUIRE(ts.start({spec("imap")}, lim, 1) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  // Ask for 64 MB of output, far more than the kernel's socket buffers, and do not read it.
  constexpr size_t kAnswer = (1u << 20) + 2;
  std::string ask;
  for (int i = 0; i < 64; ++i) ask += "BIG 1048576\r\n";
  c.write(ask);
  std::this_thread::sleep_for(500ms);
  const auto* st = ts.server->stats().find("imap");
  CHECK(st->bytes_out.load() < 32u * kAnswer);  // stuck at the socket buffers
  uint64_t in_before = st->bytes_in.load();
  c.write("PING\r\n");
  std::this_thread::sleep_for(300ms);
  CHECK(st->bytes_in.load() == in_before);  // the server is not reading
  // Reading everything drains the queue; the held-back commands and PING are then answered.
  size_t total = 0;
  std::string tail;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  char buf[65536];
  while (total < 64 * kAnswer + 11 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    total += static_cast<size_t>(n);
    tail = (tail + std::string(buf, static_cast<size_t>(n)));
    if (tail.size() > 32) tail.erase(0, tail.size() - 32);
  }
  CHECK(total == 64 * kAnswer + 11);
  CHECK(tail.substr(tail.size() - 11) == "ECHO PING\r\n");
  CHECK(st->bytes_in.load() == ask.size() + 6);
}

TEST_CASE("file_range_streams_from_disk") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}) == "");
  std::string path = ts.dir.path() + "/msg";
  std::string body;
  for (int i = 0; body.size() < 3 * 1024 * 1024; ++i) body += "line " + std::to_string(i) + "\r\n";
  std::ofstream(path, std::ios::binary) << body;
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  c.write("FILE " + path + " " + std::to_string(body.size()) + "\r\n");
  std::string got = c.read_until("\r\nEND\r\n", 10s);
  REQUIRE(got.size() == body.size() + 7);
  CHECK(got.substr(0, body.size()) == body);
  c.write("FILE " + path + " " + std::to_string(body.size() + 10) + "\r\n");  // lies: too short
  CHECK(c.wait_eof(10s));
}

TEST_CASE("blocking_work_runs_off_loop_and_pauses_input") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}, {}, 1) == "");
  Client c(ts.port()), other(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  CHECK(other.line() == "* OK test ready\r\n");
  auto t0 = std::chrono::steady_clock::now();
  c.write("SLOW\r\nafter\r\n");
  other.write("meanwhile\r\n");  // the single loop is not blocked by SLOW
  CHECK(other.line() == "ECHO meanwhile\r\n");
  CHECK(std::chrono::steady_clock::now() - t0 < 150ms);
  CHECK(c.line() == "DONE\r\n");
  CHECK(c.line() == "ECHO after\r\n");  // paused input was kept and delivered in order
}

TEST_CASE("graceful_stop_drains_then_closes") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}) == "");
  uint16_t port = ts.port();
  Client busy(port);
  CHECK(busy.line() == "* OK test ready\r\n");
  std::thread quitter([&] {
    std::this_thread::sleep_for(200ms);
    Client q(port);  // listeners are closed by now
    (void)q;
  });
  auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] { ts.server->stop(1s); });
  // During the drain the open session still works.
  std::this_thread::sleep_for(100ms);
  busy.write("during\r\n");
  CHECK(busy.line() == "ECHO during\r\n");
  // After the deadline it is told and closed.
  CHECK(busy.line(3s) == "BYE shutting down\r\n");
  CHECK(busy.wait_eof());
  stopper.join();
  quitter.join();
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= 900ms);
  CHECK(took < 4s);
  Client late(port);
  CHECK_FALSE(late.connected());
}

TEST_CASE("graceful_stop_returns_early_when_sessions_end") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  std::thread stopper([&] { ts.server->stop(10s); });
  c.write("QUIT\r\n");
  CHECK(c.wait_eof());
  auto t0 = std::chrono::steady_clock::now();
  stopper.join();
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}

TEST_CASE("timer_armed_while_stopping_does_not_delay_the_stop") {
  // A blocking job still running when stop() begins; its completion arms a long timer (as the
  // queue manager arms its next retry). stop() must not wait for that timer.
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}, {}, 1) == "");
  std::atomic<bool> started{false};
  std::atomic<bool> done_ran{false};
  std::atomic<bool> timer_ran{false};
  ts.server->post_all([&](net::Worker& w) {
    w.run_blocking(
        [&] {
          started = true;
          std::this_thread::sleep_for(300ms);
        },
        [&w, &done_ran, &timer_ran] {
          done_ran = true;
          w.after(30s, [&timer_ran] { timer_ran = true; });
        });
  });
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!started.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(started.load());
  auto t0 = std::chrono::steady_clock::now();
  ts.server->stop(0ms);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(done_ran.load());
  CHECK_FALSE(timer_ran.load());
}

TEST_CASE("post_runs_on_every_worker") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}, {}, 3) == "");
  std::atomic<int> ran{0};
  ts.server->post_all([&](net::Worker&) { ran++; });
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (ran.load() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  CHECK(ran.load() == 3);
}

TEST_CASE("ipv6_listener") {
  TestServer ts;
  auto s = spec("imap6");
  s.address = "::1";
  std::string err = ts.start({s});
  if (!err.empty()) {
    MESSAGE("no IPv6 loopback here: " << err);
    return;
  }
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(ts.port());
  a.sin6_addr = in6addr_loopback;
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  char buf[64] = {};
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  CHECK(std::string(buf, n > 0 ? n : 0) == "* OK test ready\r\n");
  ::close(fd);
}

TEST_CASE("tls_certificates_swap_for_new_connections_only") {
  TestServer ts;
  ts.load_certs();
  REQUIRE(ts.start({spec("imaps", TlsMode::kImplicit)}) == "");
  Client old(ts.port());
  REQUIRE(old.start_tls() == "");
  CHECK(old.peer_cn() == "default.test");
  CHECK(old.line() == "* OK test ready\r\n");
  net::TlsSettings s;
  s.default_certificate = make_cert(ts.dir.path(), "renewed.test");
  auto set = net::TlsContextSet::load(s);
  REQUIRE(set.ok());
  ts.store->set(set.value());
  Client fresh(ts.port());
  REQUIRE(fresh.start_tls() == "");
  CHECK(fresh.peer_cn() == "renewed.test");
  old.write("still\r\n");
  CHECK(old.line() == "ECHO still\r\n");
}

TEST_CASE("proxy_header_then_implicit_tls") {
  TestServer ts;
  ts.load_certs();
  auto s = spec("imaps", TlsMode::kImplicit);
  s.proxy_from = {*net::Cidr::parse("127.0.0.0/8")};
  REQUIRE(ts.start({s}) == "");
  Client c(ts.port());
  c.write(proxy_v2_tcp4("203.0.113.9", 5555, "192.0.2.1", 993));
  REQUIRE(c.start_tls("one.test") == "");
  CHECK(c.peer_cn() == "one.test");
  CHECK(c.line() == "* OK test ready\r\n");
  c.write("PEER\r\n");
  CHECK(c.line() == "PEER 203.0.113.9:5555 LOCAL 192.0.2.1:993\r\n");
}

TEST_CASE("limits_change_on_reload_for_new_connections") {
  TestServer ts;
  net::Limits lim;
  lim.max_connections_per_ip = 1;
  REQUIRE(ts.start({spec("imap")}, lim) == "");
  Client a(ts.port());
  CHECK(a.line() == "* OK test ready\r\n");
  Client b(ts.port());
  CHECK(b.line() == "LIMIT 1\r\n");
  lim.max_connections_per_ip = 3;
  ts.server->set_limits(lim);
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  a.write("still\r\n");
  CHECK(a.line() == "ECHO still\r\n");
}

TEST_CASE("connection_timers_fire_cancel_and_die_with_the_connection") {
  TestServer ts;
  REQUIRE(ts.start({spec("imap")}) == "");
  Client c(ts.port());
  CHECK(c.line() == "* OK test ready\r\n");
  auto t0 = std::chrono::steady_clock::now();
  c.write("DELAY\r\nnow\r\n");
  CHECK(c.line() == "ECHO now\r\n");
  CHECK(c.line() == "LATER\r\n");
  CHECK(std::chrono::steady_clock::now() - t0 >= 90ms);
  CHECK(c.read_until("CANCELLED", 200ms).empty());
  // A pending timer on a connection that closes is dropped, not run on freed memory.
  Client d(ts.port());
  CHECK(d.line() == "* OK test ready\r\n");
  d.write("DELAY\r\nQUIT\r\n");
  CHECK(d.line() == "BYE\r\n");
  CHECK(d.wait_eof());
  std::this_thread::sleep_for(200ms);
  CHECK(ts.wait_active(1));
}

TEST_CASE("abrupt_disconnects_leave_nothing_behind") {
  TestServer ts;
  ts.load_certs();
  REQUIRE(ts.start({spec("imap", TlsMode::kStartTls), spec("imaps", TlsMode::kImplicit)}) == "");
  auto reset = [](Client& c) {
    linger l{1, 0};  // close with RST
    setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  };
  for (int i = 0; i < 60; ++i) {
    {
      Client c(ts.port(0));  // reset while the server has output queued
      c.line();
      c.write("BIG 3000000\r\n");
      reset(c);
    }
    {
      Client c(ts.port(1));  // half a ClientHello, then gone
      c.write(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
      reset(c);
    }
    {
      Client c(ts.port(0));  // during the STARTTLS handshake
      c.line();
      c.write("STARTTLS\r\nSLOW\r\n");
      c.line();
      if (i % 2 == 0) reset(c);
    }
    {
      Client c(ts.port(0));  // with blocking work in flight
      c.line();
      c.write("SLOW\r\n");
      reset(c);
    }
  }
  CHECK(ts.wait_active(0, 5s));
}
