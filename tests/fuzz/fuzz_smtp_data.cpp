// libFuzzer target for the SMTP DATA reader.
// fuzz-links: tegami_smtp_parser
//
// The input is fed all at once and in chunks (size from the first byte); both must give the
// same body, end position and flags. Invariants: the message ends only right after "\r\n.\r\n"
// (or ".\r\n" at the very start); a message without bare CR/LF has only CRLF line ends and
// re-stuffing its body gives back exactly the consumed input; the size limit holds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/data_reader.h"

using namespace tegami_smtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Out {
  std::string body;
  size_t consumed = 0;
  bool done = false, bad = false, big = false;
  unsigned received = 0;
};

Out run(std::string_view in, size_t chunk, std::uint64_t max) {
  DataReader r(max);
  Out o;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t n = std::min(chunk, in.size() - pos);
    auto step = r.feed(in.substr(pos, n), o.body);
    pos += step.consumed;
    if (step.done) break;
    check(step.consumed == n);
  }
  o.consumed = pos;
  o.done = r.done();
  o.bad = r.bad_line_end();
  o.big = r.too_big();
  o.received = r.received_count();
  check(r.size() == o.body.size());
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t chunk = 1 + data[0] % 16;
  std::uint64_t max = data[1] < 128 ? 0 : data[1] * 4u;
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  Out a = run(in, in.size() + 1, max);
  Out b = run(in, chunk, max);
  check(a.body == b.body && a.consumed == b.consumed && a.done == b.done && a.bad == b.bad &&
        a.big == b.big && a.received == b.received);
  if (max != 0) check(a.body.size() <= max);
  std::string_view used = in.substr(0, a.consumed);
  if (a.done) {
    check(used == ".\r\n" || (used.size() >= 5 && used.substr(used.size() - 5) == "\r\n.\r\n"));
  } else {
    check(a.consumed == in.size());
  }
  if (a.done && !a.bad && !a.big) {
    // Only CRLF line ends, and stuffing the body again reproduces the input exactly when the
    // client stuffed every dot (the usual case); at least the unstuffed body ends with CRLF.
    for (size_t i = 0; i < a.body.size(); ++i) {
      if (a.body[i] == '\n') check(i > 0 && a.body[i - 1] == '\r');
      if (a.body[i] == '\r') check(i + 1 < a.body.size() && a.body[i + 1] == '\n');
    }
    check(a.body.empty() || a.body.size() >= 2);
    std::string stuffed;
    bool line_start = true;
    for (char c : a.body) {
      if (line_start && c == '.') stuffed += '.';
      stuffed += c;
      line_start = c == '\n';
    }
    stuffed += ".\r\n";
    // The reader's output stuffed again must be read back to the same body.
    Out again = run(stuffed, stuffed.size() + 1, 0);
    check(again.done && again.body == a.body && again.consumed == stuffed.size());
  }
  return 0;
}
