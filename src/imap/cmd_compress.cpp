// COMPRESS (RFC 4978), after login: `COMPRESS DEFLATE` switches both directions of the
// connection to raw deflate right after the tagged OK (net::Connection::start_compression).
// A second COMPRESS gets NO [COMPRESSIONACTIVE]; another mechanism gets NO.
#include <cctype>
#include <string>

#include "imap/command_table.h"
#include "imap/session.h"

namespace imap {

void cmd_compress(Session& s, Command& c) {
  const Arg& a = c.args[0];
  if (a.kind != Arg::Kind::kAtom) {
    s.bad(c.tag, "Invalid COMPRESS arguments.");
    return;
  }
  if (s.conn().compression_active()) {
    s.tagged(c.tag, "NO [COMPRESSIONACTIVE] Compression already active.");
    return;
  }
  std::string name = a.text;
  for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (name != "DEFLATE") {
    s.tagged(c.tag, "NO Unknown compression mechanism.");
    return;
  }
  s.tagged(c.tag, "OK DEFLATE active.");
  s.start_compression();
}

}  // namespace imap
