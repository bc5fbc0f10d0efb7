#include "control/client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace tegami::control {

namespace {
using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}
}  // namespace

maildir::Result<std::string> request(const std::string& socket_path, std::string_view line,
                                     std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return maildir::Status(maildir::Code::kInvalidArgument,
                           "control socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return maildir::from_errno("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    if (err == ECONNREFUSED || err == ENOENT) {
      return maildir::Status(maildir::Code::kNotFound,
                             "tegamid is not running (no listener on " + socket_path + ")");
    }
    return maildir::from_errno(err, "connect " + socket_path);
  }
  if (::fcntl(fd.get(), F_SETFL, O_NONBLOCK) != 0) return maildir::from_errno("fcntl");

  std::string out(line);
  out += '\n';
  std::size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd.get(), POLLOUT, deadline)) {
        return maildir::Status(maildir::Code::kIo, "timed out writing to " + socket_path);
      }
    } else {
      return maildir::from_errno("send to " + socket_path);
    }
  }

  std::string in;
  char buf[65536];
  for (;;) {
    std::size_t nl = in.find('\n');
    if (nl != std::string::npos) {
      in.resize(nl);
      return in;
    }
    if (in.size() > kMaxAnswer) {
      return maildir::Status(maildir::Code::kLimit, "answer from tegamid too long");
    }
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      in.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return maildir::Status(maildir::Code::kIo, "tegamid closed the control connection");
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_for(fd.get(), POLLIN, deadline)) {
        return maildir::Status(maildir::Code::kIo, "timed out waiting for tegamid");
      }
    } else {
      return maildir::from_errno("recv from " + socket_path);
    }
  }
}

std::string default_socket_path(std::string_view mail_root) {
  std::string root(mail_root);
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::size_t slash = root.rfind('/');
  if (slash == std::string::npos) return "tegamid.sock";
  if (slash == 0) return "/tegamid.sock";
  return root.substr(0, slash) + "/tegamid.sock";
}

RenderedAnswer render_answer(Request::Kind kind, std::string_view answer_line) {
  using nlohmann::json;
  RenderedAnswer r;
  json j = json::parse(answer_line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    r.text = "error: unreadable answer from tegamid\n";
    return r;
  }
  auto str = [](const json& v, const char* key) -> std::string {
    auto it = v.find(key);
    return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto lines = [&](const char* key, const char* prefix) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return;
    for (const json& e : *it) {
      if (e.is_string()) r.text += prefix + e.get<std::string>() + "\n";
    }
  };
  auto ok = j.find("ok");
  r.ok = ok != j.end() && ok->is_boolean() && ok->get<bool>();
  if (!r.ok) {
    r.text = "error: " + str(j, "error") + "\n";
    lines("errors", "  ");
    lines("warnings", "  warning: ");
    return r;
  }
  switch (kind) {
    case Request::Kind::kWho: {
      auto it = j.find("sessions");
      char row[512];
      std::snprintf(row, sizeof row, "%-11s %-12s %-32s %-24s %-4s %s\n", "PROTOCOL", "LISTENER",
                    "USER", "CLIENT", "TLS", "SINCE");
      r.text = row;
      if (it != j.end() && it->is_array()) {
        for (const json& s : *it) {
          if (!s.is_object()) continue;
          auto tls = s.find("tls");
          bool is_tls = tls != s.end() && tls->is_boolean() && tls->get<bool>();
          std::string user = str(s, "user");
          std::snprintf(row, sizeof row, "%-11s %-12s %-32s %-24s %-4s %s\n",
                        str(s, "protocol").c_str(), str(s, "listener").c_str(),
                        user.empty() ? "-" : user.c_str(), str(s, "client").c_str(),
                        is_tls ? "yes" : "no", str(s, "since").c_str());
          r.text += row;
        }
      }
      break;
    }
    case Request::Kind::kKick: {
      auto n = j.find("kicked");
      long long count = n != j.end() && n->is_number_integer() ? n->get<long long>() : 0;
      r.text = "kicked " + std::to_string(count) + " session(s) of " + str(j, "user") + "\n";
      break;
    }
    case Request::Kind::kReload:
      r.text = "reloaded\n";
      lines("warnings", "warning: ");
      break;
    case Request::Kind::kQueueFlush:
      r.text = "queue flush requested\n";
      break;
    case Request::Kind::kQueueRetry:
    case Request::Kind::kQueueDelete:
      r.text = "queue " + str(j, "queue") + " " + str(j, "id") + " requested\n";
      break;
    case Request::Kind::kInvalid:
      r.text = std::string(answer_line) + "\n";
      break;
  }
  return r;
}

}  // namespace tegami::control
