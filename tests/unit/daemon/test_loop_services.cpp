// The main loop's services on a real libuv loop: the bounded request/answer server (metrics
// endpoint, control socket) and the debounced config file watcher.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include "daemon/config_watcher.h"
#include "daemon/stream_server.h"
#include "temp_dir.h"

using tegami::daemon::ConfigWatcher;
using tegami::daemon::StreamServer;

namespace {
// Runs the loop until `done()` or the timeout; true when done.
bool run_until(uv_loop_t* loop, const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    uv_run(loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
  return true;
}

int connect_tcp(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

// Reads what is available; returns false on EOF.
bool drain(int fd, std::string& into) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    return n != 0;
  }
}

void close_loop(uv_loop_t* loop) {
  uv_run(loop, UV_RUN_NOWAIT);
  uv_run(loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(loop) == 0);  // every handle was freed
}

StreamServer::OnData echo_lines() {
  return [](std::string& buffer, std::string& reply) {
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (line == "bye") return StreamServer::Action::kClose;
      reply += "echo " + line + "\n";
    }
    return StreamServer::Action::kKeep;
  };
}
}  // namespace

TEST_CASE("stream server answers each line, closes on request, and frees every handle") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    auto s = StreamServer::listen_tcp(&loop, "127.0.0.1", 0, {}, echo_lines());
    REQUIRE(s.ok());
    REQUIRE((*s)->port() != 0);
    int fd = connect_tcp((*s)->port());
    REQUIRE(::send(fd, "one\ntw", 6, 0) == 6);
    std::string got;
    CHECK(run_until(&loop, [&] {
      drain(fd, got);
      return got == "echo one\n";
    }));
    REQUIRE(::send(fd, "o\nbye\n", 6, 0) == 6);
    bool eof = false;
    CHECK(run_until(&loop, [&] {
      eof = !drain(fd, got);
      return eof;
    }));
    CHECK(got == "echo one\necho two\n");
    ::close(fd);
    (*s)->close();
  }
  close_loop(&loop);
}

TEST_CASE("stream server bounds: oversized input, too many clients, idle timeout") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  StreamServer::Options o;
  o.max_clients = 1;
  o.max_buffer = 16;
  o.idle_timeout = std::chrono::milliseconds(200);
  auto s = StreamServer::listen_tcp(&loop, "127.0.0.1", 0, o, echo_lines());
  REQUIRE(s.ok());
  int a = connect_tcp((*s)->port());
  int b = connect_tcp((*s)->port());  // over max_clients: closed at accept
  std::string got_a, got_b;
  CHECK(run_until(&loop, [&] { return !drain(b, got_b); }));
  CHECK(got_b.empty());
  // 40 bytes without a newline: over max_buffer, closed.
  REQUIRE(::send(a, std::string(40, 'x').data(), 40, 0) == 40);
  CHECK(run_until(&loop, [&] { return !drain(a, got_a); }));
  CHECK(got_a.empty());
  // A silent client is closed by the idle timeout.
  int c = connect_tcp((*s)->port());
  std::string got_c;
  auto t0 = std::chrono::steady_clock::now();
  CHECK(run_until(&loop, [&] { return !drain(c, got_c); }));
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(150));
  ::close(a);
  ::close(b);
  ::close(c);
  s->reset();
  close_loop(&loop);
}

TEST_CASE("unix socket: mode 0600, stale file replaced, live one refused, removed on close") {
  TempDir dir;
  std::string path = dir.path() + "/ctl.sock";
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    // A stale socket file left by a crash.
    int stale = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path.c_str());
    REQUIRE(::bind(stale, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::close(stale);
    auto s = StreamServer::listen_unix(&loop, path, 0600, {}, echo_lines());
    REQUIRE(s.ok());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto second = StreamServer::listen_unix(&loop, path, 0600, {}, echo_lines());
    CHECK(second.status().code() == maildir::Code::kExists);
    (*s)->close();
    CHECK(::access(path.c_str(), F_OK) != 0);
  }
  close_loop(&loop);
}

TEST_CASE("config watcher: one debounced callback per burst, for watched names only") {
  TempDir dir;
  std::string main_file = dir.path() + "/tegami.yaml";
  std::string domains = dir.path() + "/domains";
  REQUIRE(::mkdir(domains.c_str(), 0755) == 0);
  std::ofstream(main_file) << "a: 1\n";
  uv_loop_t loop;
  uv_loop_init(&loop);
  int calls = 0;
  {
    auto w = ConfigWatcher::start(&loop, {main_file}, {domains}, std::chrono::milliseconds(100),
                                  [&] { ++calls; });
    CHECK(w->watched_directories().size() == 2);
    // An editor's save: temp file, rename over; three writes in a burst.
    for (int i = 0; i < 3; ++i) {
      std::ofstream(main_file + ".tmp") << "a: " << i << "\n";
      REQUIRE(::rename((main_file + ".tmp").c_str(), main_file.c_str()) == 0);
    }
    CHECK(run_until(&loop, [&] { return calls >= 1; }));
    run_until(
        &loop, [] { return false; }, std::chrono::milliseconds(300));
    CHECK(calls == 1);
    // An unrelated file next to it does not count; a new domain file does.
    std::ofstream(dir.path() + "/notes.txt") << "x";
    std::ofstream(domains + "/README") << "x";
    run_until(
        &loop, [] { return false; }, std::chrono::milliseconds(300));
    CHECK(calls == 1);
    std::ofstream(domains + "/new.test.yaml") << "domain: new.test\n";
    CHECK(run_until(&loop, [&] { return calls == 2; }));
    w->close();
    std::ofstream(main_file) << "after close\n";
    run_until(
        &loop, [] { return false; }, std::chrono::milliseconds(300));
    CHECK(calls == 2);
  }
  close_loop(&loop);
}
