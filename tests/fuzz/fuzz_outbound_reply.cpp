// Fuzz the SMTP client's reply parser and EHLO keywords, and the session fed with what parses:
// any bytes, split at a point chosen by the first byte, must end in replies or an error within
// the limits, never a crash.
// fuzz-links: tegami_outbound_parser
#include <cstddef>
#include <cstdint>
#include <string>

#include "outbound/capabilities.h"
#include "outbound/client_session.h"
#include "outbound/reply_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace tegami::outbound;
  size_t split = data[0] % (size + 1);
  std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);
  ReplyLimits limits;
  limits.max_line = 64;
  limits.max_lines = 8;
  limits.max_bytes = 256;
  ReplyParser parser(limits);
  SessionSettings settings;
  settings.auth_user = "u";
  settings.auth_password = "p";
  ClientSession session(settings);
  session.on_connected();
  std::string buf;
  bool failed = false;
  for (std::string_view piece : {std::string_view(in).substr(0, std::min(split, in.size())),
                                 std::string_view(in).substr(std::min(split, in.size()))}) {
    buf.append(piece);
    while (true) {
      auto r = parser.next(buf);
      if (r.consumed > buf.size()) __builtin_trap();
      buf.erase(0, r.consumed);
      if (r.kind == ReplyParser::Kind::kError) failed = true;
      if (r.kind != ReplyParser::Kind::kReply) break;
      if (r.reply.lines.size() > limits.max_lines) __builtin_trap();
      (void)parse_ehlo(r.reply);
      (void)r.reply.one_line();
      if (session.closed()) continue;
      Step s = session.on_reply(r.reply);
      if (s.start_tls) s = session.on_tls_ready();
      if (s.send_body) s = session.on_body_sent();
      if (session.ready()) {
        Transaction t;
        t.mail_from = "a@b";
        t.recipients = {"c@d", "e@f"};
        t.size = 10;
        t.eight_bit = (data[0] & 1) != 0;
        s = session.begin(t);
      }
    }
    if (failed) break;
    if (buf.size() > limits.max_line + 2) __builtin_trap();
  }
  return 0;
}
