// libFuzzer target for the POP3 command parser and the dot-stuffing transform.
// fuzz-links: tegami_pop3
//
// Input: split on '\n' into lines for parse_command(); the whole input is also run through the
// DotStuffer in two pieces (RETR form and TOP form) and checked: the output ends with ".\r\n",
// every '\n' is preceded by '\r', and no line of the body starts with a single '.'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pop3/dot_stuffer.h"
#include "pop3/parser.h"

namespace {

void check_body(const std::string& out) {
  if (out.size() < 3 || out.compare(out.size() - 3, 3, ".\r\n") != 0) std::abort();
  std::string_view body(out.data(), out.size() - 3);
  size_t start = 0;
  while (start < body.size()) {
    size_t nl = body.find('\n', start);
    if (nl == std::string_view::npos) std::abort();  // body must end with CRLF
    if (nl == 0 || body[nl - 1] != '\r') std::abort();
    std::string_view line = body.substr(start, nl - 1 - start);
    if (!line.empty() && line[0] == '.' && (line.size() < 2 || line[1] != '.')) std::abort();
    start = nl + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= in.size()) {
    size_t nl = in.find('\n', start);
    std::string_view line = in.substr(start, nl == std::string_view::npos ? nl : nl - start);
    auto r = tegami::pop3::parse_command(line);
    if (auto* c = std::get_if<tegami::pop3::ParsedCommand>(&r)) {
      for (std::string_view a : c->args) {
        if (a.size() > tegami::pop3::kMaxArgBytes) std::abort();
      }
      if (c->msg && *c->msg == 0) std::abort();
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  size_t half = size / 2;
  for (int top = 0; top < 2; ++top) {
    tegami::pop3::DotStuffer s(top ? std::optional<std::uint32_t>(size % 5) : std::nullopt);
    std::string out;
    s.feed(in.substr(0, half), out);
    s.feed(in.substr(half), out);
    s.finish(out);
    check_body(out);
  }
  return 0;
}
