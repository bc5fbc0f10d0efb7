// fuzz-links: tegami_metrics tegami_control
// The daemon's two request parsers fed arbitrary bytes: the metrics endpoint's HTTP request
// head (whole buffer and every prefix, as it arrives) and the control socket's request lines.
// Checks: no crash/UB, the parser's verdict on a prefix never contradicts the whole, every
// answer is a complete HTTP response / exactly one JSON line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "control/protocol.h"
#include "metrics/http.h"

namespace {
class Backend : public tegami::control::Backend {
 public:
  std::vector<tegami::control::SessionInfo> sessions() override {
    return {{1, "imap", "imaps", user_, "127.0.0.1:1", true, {}}};
  }
  std::size_t kick(std::string_view user) override {
    user_ = std::string(user);
    return 1;
  }
  tegami::control::ReloadOutcome reload() override { return {false, {user_}, {}}; }

 private:
  std::string user_;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using tegami::metrics::HttpParse;
  HttpParse whole = tegami::metrics::parse_http_request(in);
  if (whole.kind != HttpParse::Kind::kNeedMore) {
    std::string r = tegami::metrics::http_response(whole, [] { return std::string("m 1\n"); });
    if (r.rfind("HTTP/1.0 ", 0) != 0 || r.find("\r\n\r\n") == std::string::npos) std::abort();
  }
  // A prefix that is already complete must give the same request as the whole.
  for (size_t n = 0; n < in.size() && n < 512; ++n) {
    HttpParse p = tegami::metrics::parse_http_request(in.substr(0, n));
    if (p.kind == HttpParse::Kind::kDone &&
        (whole.kind != HttpParse::Kind::kDone || whole.request.target != p.request.target)) {
      std::abort();
    }
  }
  Backend backend;
  size_t start = 0;
  while (start <= in.size()) {
    size_t nl = in.find('\n', start);
    std::string_view line =
        in.substr(start, nl == std::string_view::npos ? in.size() - start : nl - start);
    std::string answer = tegami::control::handle_request(line, backend);
    if (answer.empty() || answer.back() != '\n' || answer.find('\n') != answer.size() - 1) {
      std::abort();
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return 0;
}
