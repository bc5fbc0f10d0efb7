// fuzz-links: tegami_imap
// RFC 7162 arguments on arbitrary command bytes: SELECT's (CONDSTORE | QRESYNC (...)) and
// FETCH's (CHANGEDSINCE n [VANISHED]) parsers never crash; what they accept is consistent
// (QRESYNC only when enabled, VANISHED only with CHANGEDSINCE in UID FETCH, modseqs below 2^63).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "imap/condstore.h"
#include "imap/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool qresync = (data[0] & 1) != 0;
  const bool uid = (data[0] & 2) != 0;
  std::string line =
      "t X " + std::string(reinterpret_cast<const char*>(data) + 1, size - 1) + "\r\n";
  imap::ParserLimits lim;
  lim.max_depth = 8;
  imap::Command c;
  std::string error;
  if (!imap::parse_command(line, lim, c, error) || c.args.empty()) return 0;
  imap::SelectModseqParams sp;
  if (imap::parse_select_params(c.args[0], qresync, sp, error)) {
    if (sp.qresync && (!qresync || sp.uid_validity == 0 || sp.modseq == 0)) std::abort();
    if (sp.modseq >= (1ull << 63)) std::abort();
  }
  imap::FetchModifiers fm;
  if (imap::parse_fetch_modifiers(c.args[0], uid, qresync, fm, error)) {
    if (fm.vanished && (!qresync || !uid || !fm.changed_since)) std::abort();
    if (fm.changed_since && (*fm.changed_since == 0 || *fm.changed_since >= (1ull << 63))) {
      std::abort();
    }
  }
  return 0;
}
