// fuzz-links: tegami_imap
// NOTIFY's arguments (RFC 5465) on arbitrary command bytes: never crash; an accepted SET has
// event groups, and every group's events keep the RFC's pairing rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "imap/notify_request.h"
#include "imap/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line = "t NOTIFY " + std::string(reinterpret_cast<const char*>(data), size) + "\r\n";
  imap::ParserLimits lim;
  lim.max_depth = 8;
  imap::Command c;
  std::string error;
  if (!imap::parse_command(line, lim, c, error) || c.args.empty()) return 0;
  imap::NotifyRequest r;
  imap::NotifyParseError e;
  if (!imap::parse_notify(c.args, r, e)) return 0;
  if (!r.none && r.groups.empty()) std::abort();
  for (const imap::NotifyGroup& g : r.groups) {
    if (g.events.message_new != g.events.message_expunge) std::abort();
    if (g.events.flag_change && !g.events.message_new) std::abort();
  }
  return 0;
}
