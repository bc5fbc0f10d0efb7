// The metrics endpoint's HTTP request framing and responses.
#include <doctest/doctest.h>

#include <string>

#include "metrics/http.h"

using namespace tegami::metrics;

namespace {
std::string body() {
  return "m 1\n";
}
std::string answer(std::string_view request) {
  return http_response(parse_http_request(request), body);
}
}  // namespace

TEST_CASE("a complete GET is parsed, with CRLF or bare LF") {
  for (std::string_view req : {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                               "GET /metrics HTTP/1.0\n\n", "GET /metrics HTTP/1.0\r\n\r\n"}) {
    HttpParse p = parse_http_request(req);
    REQUIRE(p.kind == HttpParse::Kind::kDone);
    CHECK(p.request.method == "GET");
    CHECK(p.request.target == "/metrics");
  }
}

TEST_CASE("a request arriving one byte at a time needs more until the blank line") {
  std::string req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n";
  for (std::size_t n = 0; n < req.size(); ++n) {
    CHECK(parse_http_request(std::string_view(req).substr(0, n)).kind ==
          HttpParse::Kind::kNeedMore);
  }
  CHECK(parse_http_request(req).kind == HttpParse::Kind::kDone);
}

TEST_CASE("malformed and oversized requests get their status") {
  CHECK(parse_http_request("GET\r\n\r\n").status == 400);
  CHECK(parse_http_request("GET  HTTP/1.1\r\n\r\n").status == 400);
  CHECK(parse_http_request("G(T / HTTP/1.1\r\n\r\n").status == 400);
  CHECK(parse_http_request("GET / HTTP/2.0\r\n\r\n").status == 505);
  CHECK(parse_http_request("GET / FTP/1.0\r\n\r\n").status == 400);
  CHECK(parse_http_request("GET /\x01 HTTP/1.1\r\n\r\n").status == 400);
  CHECK(parse_http_request(std::string(3000, 'A')).status == 414);
  std::string huge = "GET / HTTP/1.1\r\n" + std::string(9000, 'h');
  CHECK(parse_http_request(huge).status == 431);
  CHECK(answer("GET / HTTP/2.0\r\n\r\n").rfind("HTTP/1.0 505 ", 0) == 0);
}

TEST_CASE("GET /metrics answers 200 with the Prometheus body; others 404 or 405") {
  std::string ok = answer("GET /metrics?name=x HTTP/1.1\r\n\r\n");
  CHECK(ok.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
  CHECK(ok.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(ok.find("Content-Length: 4\r\n") != std::string::npos);
  CHECK(ok.find("Connection: close\r\n") != std::string::npos);
  CHECK(ok.substr(ok.size() - 8) == "\r\n\r\nm 1\n");
  std::string head = answer("HEAD /metrics HTTP/1.1\r\n\r\n");
  CHECK(head.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
  CHECK(answer("GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.0 404 ", 0) == 0);
  CHECK(answer("GET /metricsx HTTP/1.1\r\n\r\n").rfind("HTTP/1.0 404 ", 0) == 0);
  std::string post = answer("POST /metrics HTTP/1.1\r\n\r\n");
  CHECK(post.rfind("HTTP/1.0 405 ", 0) == 0);
  CHECK(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
}
