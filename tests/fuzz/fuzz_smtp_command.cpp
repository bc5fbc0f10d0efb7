// libFuzzer target for the SMTP command layer: LineReader framing + parse_command.
// fuzz-links: tegami_smtp_parser
//
// The input is a client byte stream. It is framed twice — all at once and in chunks whose sizes
// come from the first byte — and both framings must give the same lines; every line goes through
// parse_command. Invariants: lines never contain CR or LF and respect the limit; a refusal's
// reply is a single line with a 5xx code; an accepted MAIL/RCPT path never holds control
// characters, and decoded parameters are printable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/command.h"
#include "smtp/line_reader.h"

using namespace tegami_smtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::string> frame(std::string_view in, size_t chunk) {
  LineReader r;
  std::vector<std::string> out;
  std::string buf;
  size_t pos = 0;
  while (true) {
    if (pos < in.size()) {
      size_t n = std::min(chunk, in.size() - pos);
      buf.append(in.substr(pos, n));
      pos += n;
    }
    while (true) {
      auto res = r.next(buf);
      check(res.consumed <= buf.size());
      if (res.kind == LineReader::Kind::kLine) {
        check(res.line.find('\r') == std::string_view::npos);
        check(res.line.find('\n') == std::string_view::npos);
        check(res.line.size() + 2 <= kMaxCommandLine);
        out.push_back("L" + std::string(res.line));
      } else if (res.kind == LineReader::Kind::kTooLong) {
        out.push_back("T");
      } else if (res.kind == LineReader::Kind::kBadLineEnd) {
        out.push_back("B");
      }
      buf.erase(0, res.consumed);
      if (res.kind == LineReader::Kind::kNeedMore && (res.consumed == 0 || buf.empty())) break;
    }
    if (pos >= in.size()) break;
  }
  return out;
}

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 32 || c == 127) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = 1 + data[0] % 16;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto whole = frame(in, in.size() + 1);
  check(frame(in, chunk) == whole);
  for (const std::string& l : whole) {
    if (l[0] != 'L') continue;
    auto r = parse_command(std::string_view(l).substr(1));
    if (auto* rep = std::get_if<Reply>(&r)) {
      check(rep->code >= 500 && rep->code < 600);
      std::string w = rep->wire();
      check(w.find('\n') == w.size() - 1);
      continue;
    }
    const Command& c = std::get<Command>(r);
    if (c.verb == Verb::kMail || c.verb == Verb::kRcpt) {
      check(printable(c.path.local) && printable(c.path.domain));
      if (c.mail.envid) check(printable(*c.mail.envid));
      if (c.mail.auth) check(printable(*c.mail.auth));
      if (c.rcpt.orcpt_address) check(printable(*c.rcpt.orcpt_address));
      // The address re-parses to the same mailbox.
      if (!c.path.null) {
        std::string again = "RCPT TO:<" + c.path.address() + ">";
        auto r2 = parse_command(again);
        check(std::holds_alternative<Command>(r2));
        check(std::get<Command>(r2).path.local == c.path.local);
        check(std::get<Command>(r2).path.domain == c.path.domain);
      }
    }
  }
  return 0;
}
