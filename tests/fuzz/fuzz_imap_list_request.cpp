// fuzz-links: tegami_imap
// LIST's extended arguments (RFC 5258/5819/6154) on arbitrary command bytes: never crash; an
// accepted request has a pattern or is the delimiter query, or matches nothing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "imap/list_request.h"
#include "imap/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line = "t LIST " + std::string(reinterpret_cast<const char*>(data), size) + "\r\n";
  imap::ParserLimits lim;
  lim.max_depth = 8;
  imap::Command c;
  std::string error;
  if (!imap::parse_command(line, lim, c, error) || c.args.size() < 2 || c.args.size() > 5) {
    return 0;
  }
  imap::ListRequest r;
  if (imap::parse_list_request(c, r).empty()) {
    for (const std::string& p : r.patterns) (void)imap::list_request_matches(r, p);
  }
  return 0;
}
