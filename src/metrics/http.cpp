#include "metrics/http.h"

#include <algorithm>

#include "metrics/prometheus.h"

namespace tegami::metrics {

namespace {
bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

HttpParse error(int status) {
  HttpParse p;
  p.kind = HttpParse::Kind::kError;
  p.status = status;
  return p;
}

// The end of the head (index after the blank line), or npos.
std::size_t head_end(std::string_view buf) {
  for (std::size_t i = 0; i < buf.size(); ++i) {
    if (buf[i] != '\n') continue;
    if (i + 1 < buf.size() && buf[i + 1] == '\n') return i + 2;
    if (i + 2 < buf.size() && buf[i + 1] == '\r' && buf[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

std::string_view reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

std::string response(int status, std::string_view content_type, std::string_view body,
                     bool send_body, std::string_view extra_header = {}) {
  std::string out = "HTTP/1.0 " + std::to_string(status) + " " + std::string(reason(status)) +
                    "\r\nContent-Type: " + std::string(content_type) +
                    "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n" + std::string(extra_header) + "\r\n";
  if (send_body) out += body;
  return out;
}
}  // namespace

HttpParse parse_http_request(std::string_view buffer, std::size_t max_head_bytes) {
  std::size_t line_end = buffer.find('\n');
  if (line_end == std::string_view::npos) {
    if (buffer.size() > kMaxRequestLineBytes) return error(414);
    return {};
  }
  if (line_end > kMaxRequestLineBytes) return error(414);
  std::size_t end = head_end(buffer.substr(0, std::min(buffer.size(), max_head_bytes)));
  if (end == std::string_view::npos) {
    // A request line alone followed by a blank line is found above; otherwise wait or give up.
    if (buffer.size() >= max_head_bytes) return error(431);
    return {};
  }
  std::string_view line = buffer.substr(0, line_end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // method SP target SP HTTP/1.x
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return error(400);
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return error(400);
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method) {
    if (!is_token_char(c)) return error(400);
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return error(400);
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return error(400);
  }
  if (version[5] != '1') return error(505);
  HttpParse p;
  p.kind = HttpParse::Kind::kDone;
  p.request.method = std::string(method);
  p.request.target = std::string(target);
  p.request.minor_version = version[7] - '0';
  return p;
}

std::string http_response(const HttpParse& parse,
                          const std::function<std::string()>& render_metrics) {
  constexpr std::string_view kText = "text/plain; charset=utf-8";
  if (parse.kind != HttpParse::Kind::kDone) {
    int status = parse.kind == HttpParse::Kind::kError ? parse.status : 400;
    std::string body = std::string(reason(status)) + "\n";
    return response(status, kText, body, true);
  }
  const HttpRequest& r = parse.request;
  bool head = r.method == "HEAD";
  if (r.method != "GET" && !head) {
    return response(405, kText, "Method Not Allowed\n", true, "Allow: GET, HEAD\r\n");
  }
  std::string_view path = r.target;
  if (std::size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path != "/metrics") return response(404, kText, "Not Found\n", !head);
  return response(200, kContentType, render_metrics(), !head);
}

}  // namespace tegami::metrics
