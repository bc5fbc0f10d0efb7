#include "log/log.h"

#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <mutex>

namespace logging {
namespace {

std::mutex g_mu;  // guards g_options; writes themselves are single write(2) calls
Options g_options;

void write_all(int fd, const std::string& line) {
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a failed log write
    }
    off += static_cast<size_t>(n);
  }
}

void append_common(std::string& out, const AuthContext& ctx) {
  out += "user=<";
  out += sanitize(ctx.user);
  out += ">, method=";
  out += sanitize(ctx.method.empty() ? std::string_view("unknown") : ctx.method);
  out += ", rip=";
  out += sanitize(ctx.remote_ip);
  out += ", lip=";
  out += sanitize(ctx.local_ip);
}

void append_tail(std::string& out, const AuthContext& ctx) {
  if (ctx.tls) out += ", TLS";
  out += ", session=<";
  out += std::to_string(ctx.session);
  out += ">";
}

}  // namespace

void configure(const Options& options) {
  std::lock_guard lock(g_mu);
  g_options = options;
}

Options options() {
  std::lock_guard lock(g_mu);
  return g_options;
}

void write(Level level, std::string_view message) {
  Options opt = options();
  if (static_cast<int>(level) > static_cast<int>(opt.min_level)) return;
  std::string line;
  line.reserve(message.size() + 32);
  if (opt.priority_prefix) {
    line += '<';
    line += static_cast<char>('0' + static_cast<int>(level));
    line += '>';
  }
  if (opt.timestamps) {
    char buf[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S ", &tm);
    line.append(buf, n);
  }
  for (char ch : message) line += (ch == '\n' || ch == '\r') ? ' ' : ch;
  line += '\n';
  write_all(opt.fd, line);
}

std::string sanitize(std::string_view untrusted) {
  std::string out;
  size_t n = untrusted.size() < 128 ? untrusted.size() : 128;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    unsigned char ch = static_cast<unsigned char>(untrusted[i]);
    out += (ch < 0x20 || ch == 0x7f || ch == '<' || ch == '>') ? '?' : static_cast<char>(ch);
  }
  return out;
}

std::string format_login_ok(const AuthContext& ctx) {
  std::string out(ctx.service);
  out += "-login: Login: ";
  append_common(out, ctx);
  out += ", mpid=0";
  append_tail(out, ctx);
  return out;
}

std::string format_auth_failed(const AuthContext& ctx, unsigned attempts, unsigned seconds) {
  std::string out(ctx.service);
  out += "-login: Disconnected (auth failed, ";
  out += std::to_string(attempts);
  out += attempts == 1 ? " attempts in " : " attempts in ";
  out += std::to_string(seconds);
  out += " secs): ";
  append_common(out, ctx);
  append_tail(out, ctx);
  return out;
}

std::string format_logout(std::string_view service, std::string_view user, std::string_view reason,
                          uint64_t bytes_in, uint64_t bytes_out) {
  std::string out(service);
  out += '(';
  out += sanitize(user);
  out += "): Disconnected: ";
  out += sanitize(reason);
  out += " in=";
  out += std::to_string(bytes_in);
  out += " out=";
  out += std::to_string(bytes_out);
  return out;
}

void login_ok(const AuthContext& ctx) {
  write(Level::kInfo, format_login_ok(ctx));
}

void auth_failed(const AuthContext& ctx, unsigned attempts, unsigned seconds) {
  write(Level::kInfo, format_auth_failed(ctx, attempts, seconds));
}

void logout(std::string_view service, std::string_view user, std::string_view reason,
            uint64_t bytes_in, uint64_t bytes_out) {
  write(Level::kInfo, format_logout(service, user, reason, bytes_in, bytes_out));
}

}  // namespace logging
