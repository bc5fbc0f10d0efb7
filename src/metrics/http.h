// The metrics endpoint's HTTP: a bounded HTTP/1.0 and 1.1 request-head parser and the response
// for each request. One request per connection; the server closes after answering.
//
// parse_http_request() is pure and incremental: call it with everything received so far.
//   kNeedMore: no blank line yet and the buffer is under the limit; read more.
//   kDone: request line parsed; headers are skipped (no body is read: GET/HEAD only).
//   kError: `status` says why: 400 malformed, 414 request line too long, 431 head over
//           `max_head_bytes` without an end, 505 not HTTP/1.x. Answer it and close.
// Both "\r\n" and bare "\n" end lines (RFC 9112 §2.2 lets a recipient accept LF).
// Any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace tegami::metrics {

inline constexpr std::size_t kMaxHttpHeadBytes = 8192;
inline constexpr std::size_t kMaxRequestLineBytes = 2048;

struct HttpRequest {
  std::string method;     // as sent, e.g. "GET"
  std::string target;     // as sent, e.g. "/metrics?x=1"
  int minor_version = 0;  // HTTP/1.<minor>
};

struct HttpParse {
  enum class Kind { kNeedMore, kDone, kError };
  Kind kind = Kind::kNeedMore;
  HttpRequest request;  // valid when kDone
  int status = 0;       // valid when kError
};

HttpParse parse_http_request(std::string_view buffer,
                             std::size_t max_head_bytes = kMaxHttpHeadBytes);

// The full response for a parse result in state kDone or kError:
//   GET or HEAD of "/metrics" (query ignored) → 200 with `render_metrics()` as body
//   (no body for HEAD, Content-Length still given); any other path → 404; other methods →
//   405 with "Allow: GET, HEAD"; kError → its status. Always "Connection: close".
// REQUIRES: parse.kind != kNeedMore.
std::string http_response(const HttpParse& parse,
                          const std::function<std::string()>& render_metrics);

}  // namespace tegami::metrics
