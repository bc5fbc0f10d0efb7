// fuzz-links: tegami_imap
// The IMAP command parser on arbitrary bytes: never crash, and delivering the same bytes whole
// or one byte at a time gives the same sequence of verdicts (commands, errors).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "imap/parser.h"

namespace {

std::string render(const imap::Arg& a) {
  std::string s = std::to_string(static_cast<int>(a.kind)) + ":" + a.text;
  for (const imap::Arg& c : a.children) s += "[" + render(c) + "]";
  return s;
}

std::string verdict(const imap::CommandParser::Result& r) {
  if (r.kind == imap::CommandParser::Kind::kCommand) {
    std::string s = "C" + r.command.tag + "|" + r.command.name;
    for (const imap::Arg& a : r.command.args) s += "|" + render(a);
    return s;
  }
  return "E" + r.tag + (r.fatal ? "!" : "");
}

std::vector<std::string> run(std::string_view data, size_t chunk) {
  imap::ParserLimits lim;
  lim.max_line = 256;
  lim.max_command = 1024;
  lim.max_literal = 512;
  lim.max_literal_nonsync = 64;
  lim.max_depth = 8;
  imap::CommandParser p(lim);
  std::vector<std::string> out;
  std::string pending;
  size_t pos = 0;
  while (pos < data.size() || !pending.empty()) {
    size_t n = std::min(chunk, data.size() - pos);
    pending.append(data.substr(pos, n));
    pos += n;
    while (!pending.empty()) {
      auto r = p.feed(pending);
      if (r.consumed > pending.size()) abort();
      pending.erase(0, r.consumed);
      if (r.kind == imap::CommandParser::Kind::kCommand ||
          r.kind == imap::CommandParser::Kind::kError) {
        out.push_back(verdict(r));
        if (r.fatal) return out;
        continue;
      }
      if (r.consumed == 0) break;
    }
    if (n == 0) break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto whole = run(in, in.size() + 1);
  auto drip = run(in, 1);
  if (whole != drip) abort();
  imap::quote_string(in);
  return 0;
}
