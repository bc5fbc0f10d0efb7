// The POP3 benchmark's client (bench/bench_pop3.py runs it): plain blocking sockets, large
// receive buffers, no per-line parsing beyond what checks the answers, so the figures measure
// the server rather than the client.
//
//   pop3_bench_client retr HOST PORT USER PASSWORD
//     log in, STAT, pipeline RETR 1..n and QUIT, read to EOF. Checks that n multi-line answers
//     arrived, each starting with +OK. Prints: retr messages=<n> bytes=<wire bytes> seconds=<s>
//   pop3_bench_client sessions HOST PORT USER PASSWORD COUNT [CLIENTS]
//     COUNT times: connect, greeting, USER+PASS (pipelined), STAT, QUIT, wait for the close.
//     CLIENTS > 1: that many processes in parallel, client i logs in as USER with "%d"
//     replaced by i (one mailbox each: a POP3 mailbox takes one session at a time).
//     Prints: sessions count=<n> seconds=<s>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "pop3_bench_client: %s\n", what.c_str());
  std::exit(1);
}

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class Conn {
 public:
  Conn(const char* host, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) die("socket");
    int big = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host, &sa.sin_addr) != 1) die("bad host");
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) die("connect");
    buf_.resize(1 << 20);
  }
  ~Conn() { ::close(fd_); }

  void send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) die("send");
      off += static_cast<size_t>(n);
    }
  }

  // One line without CRLF; dies on EOF.
  std::string line() {
    while (true) {
      void* nl = std::memchr(buf_.data() + pos_, '\n', end_ - pos_);
      if (nl != nullptr) {
        size_t e = static_cast<size_t>(static_cast<char*>(nl) - buf_.data());
        std::string l(buf_.data() + pos_, e - pos_);
        pos_ = e + 1;
        if (!l.empty() && l.back() == '\r') l.pop_back();
        return l;
      }
      if (fill() == 0) die("connection closed while waiting for a line");
    }
  }

  // Reads until EOF; returns the bytes read (including those already buffered). Checks that
  // each answer starts with "+" and counts the multi-line answers' "." end lines.
  size_t drain_multiline(size_t expected) {
    size_t total = end_ - pos_;
    size_t ends = 0;
    size_t bad = 0;
    size_t line_len = 0;  // bytes of the current line seen so far (before its LF)
    char first = 0;       // the current line's first byte
    bool expect_status = true;
    auto scan = [&](const char* p, size_t n) {
      const char* e = p + n;
      while (p < e) {
        if (line_len == 0) first = *p;
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', e - p));
        if (nl == nullptr) {
          line_len += static_cast<size_t>(e - p);
          return;
        }
        line_len += static_cast<size_t>(nl - p);
        if (expect_status) {
          if (first != '+') ++bad;
          expect_status = false;
        } else if (line_len == 2 && first == '.') {  // ".\r": the end of an answer
          ++ends;
          expect_status = true;
        }
        line_len = 0;
        p = nl + 1;
      }
    };
    scan(buf_.data() + pos_, end_ - pos_);
    pos_ = end_ = 0;
    while (true) {
      ssize_t n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      if (n < 0) die("recv");
      if (n == 0) break;
      total += static_cast<size_t>(n);
      scan(buf_.data(), static_cast<size_t>(n));
    }
    if (bad != 0) die(std::to_string(bad) + " answers were not +OK");
    if (ends != expected) {
      die(std::to_string(ends) + " of " + std::to_string(expected) + " answers ended");
    }
    return total;
  }

  void wait_eof() {
    while (fill() != 0) {
    }
  }

 private:
  size_t fill() {
    if (pos_ == end_) pos_ = end_ = 0;
    if (end_ == buf_.size()) die("line too long");
    ssize_t n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
    if (n < 0) die("recv");
    end_ += static_cast<size_t>(n);
    return static_cast<size_t>(n);
  }

  int fd_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
};

void expect_ok(const std::string& l, const char* what) {
  if (l.rfind("+OK", 0) != 0) die(std::string(what) + ": " + l);
}

void login(Conn& c, const std::string& user, const std::string& password) {
  expect_ok(c.line(), "greeting");
  c.send("USER " + user + "\r\nPASS " + password + "\r\n");
  expect_ok(c.line(), "USER");
  expect_ok(c.line(), "PASS");
}

int retr(const char* host, int port, const std::string& user, const std::string& password) {
  Conn c(host, port);
  login(c, user, password);
  c.send("STAT\r\n");
  std::string stat = c.line();
  expect_ok(stat, "STAT");
  size_t count = std::strtoul(stat.c_str() + 4, nullptr, 10);
  std::string cmds;
  for (size_t i = 1; i <= count; ++i) cmds += "RETR " + std::to_string(i) + "\r\n";
  cmds += "QUIT\r\n";
  double start = now();
  c.send(cmds);
  size_t bytes = c.drain_multiline(count);
  double elapsed = now() - start;
  std::printf("retr messages=%zu bytes=%zu seconds=%.6f\n", count, bytes, elapsed);
  return 0;
}

void sessions_one(const char* host, int port, const std::string& user, const std::string& password,
                  long count) {
  for (long i = 0; i < count; ++i) {
    Conn c(host, port);
    login(c, user, password);
    c.send("STAT\r\nQUIT\r\n");
    expect_ok(c.line(), "STAT");
    expect_ok(c.line(), "QUIT");
    c.wait_eof();  // the next session may start only once this one released the mailbox
  }
}

int sessions(const char* host, int port, const std::string& user, const std::string& password,
             long count, int clients) {
  double start = now();
  if (clients <= 1) {
    sessions_one(host, port, user, password, count);
  } else {
    std::vector<pid_t> kids;
    for (int k = 0; k < clients; ++k) {
      std::string u = user;
      if (auto at = u.find("%d"); at != std::string::npos) u.replace(at, 2, std::to_string(k));
      pid_t pid = ::fork();
      if (pid < 0) die("fork");
      if (pid == 0) {
        sessions_one(host, port, u, password, count / clients);
        std::fflush(stdout);
        ::_exit(0);
      }
      kids.push_back(pid);
    }
    bool failed = false;
    for (pid_t pid : kids) {
      int status = 0;
      if (::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        failed = true;
      }
    }
    if (failed) die("a client process failed");
    count = count / clients * clients;
  }
  std::printf("sessions count=%ld seconds=%.6f\n", count, now() - start);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 6 && std::strcmp(argv[1], "retr") == 0) {
    return retr(argv[2], std::atoi(argv[3]), argv[4], argv[5]);
  }
  if (argc >= 7 && std::strcmp(argv[1], "sessions") == 0) {
    return sessions(argv[2], std::atoi(argv[3]), argv[4], argv[5], std::atol(argv[6]),
                    argc >= 8 ? std::atoi(argv[7]) : 1);
  }
  std::fprintf(stderr,
               "usage: pop3_bench_client retr HOST PORT USER PASSWORD\n"
               "       pop3_bench_client sessions HOST PORT USER PASSWORD COUNT [CLIENTS]\n");
  return 2;
}
