// Commands valid in any state: CAPABILITY, NOOP, LOGOUT, ID (RFC 2971); and ENABLE
// (RFC 5161), NAMESPACE (RFC 2342), IDLE (RFC 2177) after login.
#include "imap/command_table.h"
#include "imap/selected_box.h"
#include "imap/condstore.h"
#include "imap/session.h"
#include "imap/shared_archive.h"
#include "mime/structure.h"

namespace imap {

void cmd_capability(Session& s, Command& c) {
  s.untagged("CAPABILITY " + s.capabilities());
  s.tagged(c.tag, "OK Capability completed.");
}

void cmd_noop(Session& s, Command& c) {
  if (s.selected()) {
    cmd_check(s, c);  // reports new mail, expunges and flag changes
    return;
  }
  s.tagged(c.tag, "OK NOOP completed.");
}

void cmd_logout(Session& s, Command& c) {
  s.untagged("BYE Logging out");
  s.tagged(c.tag, "OK Logout completed.");
  s.state() = Logout{};
  s.conn().close();
}

void cmd_id(Session& s, Command& c) {
  const Arg& a = c.args[0];
  if (a.kind != Arg::Kind::kNil && a.kind != Arg::Kind::kList) {
    s.bad(c.tag, "Invalid ID parameters.");
    return;
  }
  // RFC 2971: field/value pairs, at most 30, field at most 30 bytes, value at most 1024.
  if (a.kind == Arg::Kind::kList) {
    if (a.children.size() % 2 != 0 || a.children.size() > 60) {
      s.bad(c.tag, "Invalid ID parameters.");
      return;
    }
    for (size_t i = 0; i < a.children.size(); i += 2) {
      const Arg& k = a.children[i];
      const Arg& v = a.children[i + 1];
      if (!k.is_string() || k.text.size() > 30 || !(v.is_string() || v.kind == Arg::Kind::kNil) ||
          v.text.size() > 1024) {
        s.bad(c.tag, "Invalid ID parameters.");
        return;
      }
    }
  }
  s.untagged("ID (\"name\" \"tegami\")");
  s.tagged(c.tag, "OK ID completed.");
}

void cmd_enable(Session& s, Command& c) {
  // RFC 5161: unknown capabilities are ignored; ENABLED lists what this command turned on
  // (CONDSTORE and QRESYNC: condstore.h).
  std::string enabled;
  for (const Arg& a : c.args) {
    if (a.kind != Arg::Kind::kAtom) {
      s.bad(c.tag, "Invalid ENABLE arguments.");
      return;
    }
  }
  for (const Arg& a : c.args) {
    if (enable_modseq_extension(s, a.text)) {
      enabled += " " + a.text;
    } else if (mime::iequals(a.text, "UTF8=ACCEPT") && !s.enabled().utf8_accept) {
      s.enabled().utf8_accept = true;  // RFC 6855 (utf8_accept.h)
      enabled += " UTF8=ACCEPT";
    } else if (mime::iequals(a.text, "IMAP4rev2") && !s.enabled().imap4rev2) {
      s.enabled().imap4rev2 = true;  // RFC 9051 (docs/imap.md, IMAP4rev2)
      if (auto box = s.selected()) box->rev2 = true;
      enabled += " IMAP4rev2";
    }
  }
  s.untagged("ENABLED" + enabled);
  s.tagged(c.tag, "OK Enabled.");
}

void cmd_idle(Session& s, Command& c) {
  s.start_idle(c.tag);
}

void cmd_namespace(Session& s, Command& c) {
  s.untagged("NAMESPACE ((\"\" \"/\")) NIL ((\"" + std::string(kSharedPrefix) + "\" \"/\"))");
  s.tagged(c.tag, "OK Namespace completed.");
}

}  // namespace imap
