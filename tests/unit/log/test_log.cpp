// The logger: one line per call, prefixes, sanitising, Dovecot-shaped auth lines.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "log/log.h"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct LogFile {
  std::string path;
  int fd;
  LogFile() {
    char tmpl[] = "/tmp/tegami-log-XXXXXX";
    fd = mkstemp(tmpl);
    path = tmpl;
  }
  ~LogFile() {
    logging::configure(logging::Options{});
    ::close(fd);
    ::unlink(path.c_str());
  }
};

}  // namespace

TEST_CASE("levels_prefix_and_one_line_per_event") {
  LogFile f;
  logging::Options o;
  o.fd = f.fd;
  o.priority_prefix = true;
  o.min_level = logging::Level::kInfo;
  logging::configure(o);
  logging::error("disk full");
  logging::info("two\nlines");
  logging::debug("dropped");
  CHECK(slurp(f.path) == "<3>disk full\n<6>two lines\n");
}

TEST_CASE("auth_lines_have_dovecot_shape") {
  logging::AuthContext ctx;
  ctx.service = "imap";
  ctx.user = "alice@example.com";
  ctx.method = "PLAIN";
  ctx.remote_ip = "192.0.2.7";
  ctx.local_ip = "192.0.2.1";
  ctx.tls = true;
  ctx.session = 42;
  CHECK(logging::format_auth_failed(ctx, 3, 7) ==
        "imap-login: Disconnected (auth failed, 3 attempts in 7 secs): user=<alice@example.com>, "
        "method=PLAIN, rip=192.0.2.7, lip=192.0.2.1, TLS, session=<42>");
  CHECK(logging::format_login_ok(ctx) ==
        "imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=192.0.2.7, "
        "lip=192.0.2.1, mpid=0, TLS, session=<42>");
  CHECK(logging::format_logout("imap", "alice@example.com", "Logged out", 12, 345) ==
        "imap(alice@example.com): Disconnected: Logged out in=12 out=345");
  ctx.user = "evil>, rip=6.6.6.6\r\nimap-login: x";
  std::string line = logging::format_auth_failed(ctx, 1, 0);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find("user=<evil?, rip=6.6.6.6??imap-login: x>") != std::string::npos);
}

TEST_CASE("concurrent_lines_do_not_interleave") {
  LogFile f;
  logging::Options o;
  o.fd = f.fd;
  logging::configure(o);
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([t] {
      for (int i = 0; i < 200; ++i)
        logging::info("thread " + std::to_string(t) + std::string(100, 'x'));
    });
  }
  for (auto& t : ts) t.join();
  std::ifstream in(f.path);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    ++count;
    CHECK(line.size() == 8 + 100);
  }
  CHECK(count == 1600);
}
