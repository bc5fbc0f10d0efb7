// The client side of the control socket, used by `tegami who|kick|reload`.
//
// request() connects to the daemon's unix socket, sends one request line and returns the
// answer line (without its "\n"). Blocking, with an overall timeout; any thread.
// Failures: kNotFound when there is no socket or nobody listens on it (the daemon is not
// running), kPermission when the socket may not be opened (mode 0600: run as its owner),
// kLimit for an answer longer than kMaxAnswer, kIo for anything else including the timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "control/protocol.h"
#include "maildir/status.h"

namespace tegami::control {

inline constexpr std::size_t kMaxAnswer = 16 * 1024 * 1024;

maildir::Result<std::string> request(const std::string& socket_path, std::string_view line,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The socket path when the config names none: "tegamid.sock" in the parent directory of the
// mail root ("/srv/mail" → "/srv/tegamid.sock"; "/var/x/mail/" → "/var/x/tegamid.sock").
std::string default_socket_path(std::string_view mail_root);

// An answer line made readable for a terminal. `ok` is the answer's "ok" (false also when the
// line is not a JSON object). who: one session per line, a header first; kick: "kicked N
// session(s) of USER"; reload: "reloaded" plus warnings; errors: "error: ..." plus details.
struct RenderedAnswer {
  bool ok = false;
  std::string text;  // ends with "\n" when not empty
};
RenderedAnswer render_answer(Request::Kind kind, std::string_view answer_line);

}  // namespace tegami::control
