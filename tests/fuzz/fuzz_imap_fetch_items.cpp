// fuzz-links: tegami_imap
// FETCH item lists (incl. BINARY[...]<..>, BINARY.SIZE) and STATUS item lists on arbitrary
// command bytes: never crash; a parsed item always has a response name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "imap/fetch_items.h"
#include "imap/mailbox_status.h"
#include "imap/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line = "t FETCH 1 " + std::string(reinterpret_cast<const char*>(data), size) + "\r\n";
  imap::ParserLimits lim;
  lim.max_depth = 8;
  imap::Command c;
  std::string error;
  if (!imap::parse_command(line, lim, c, error) || c.args.size() < 2) return 0;
  auto items = imap::parse_fetch_items(c.args[1], true, error);
  if (items) {
    for (const imap::FetchItem& i : *items) {
      if (i.response_name.empty()) abort();
    }
  }
  std::vector<std::string> status;
  (void)imap::parse_status_items(c.args[1], status, error);
  return 0;
}
