// The control socket's line protocol (server side): one request line in, one JSON line out.
//
// Requests (a line of at most kMaxRequestLine bytes, LF or CRLF; the command word is
// case-insensitive):
//   who              → {"ok":true,"sessions":[{"id":1,"protocol":"imap","listener":"imaps",
//                        "user":"","client":"127.0.0.1:4242","tls":true,
//                        "since":"2026-11-25T10:00:00Z"}, ...]}
//   kick <user>      → {"ok":true,"user":"<user>","kicked":<n>}
//   reload           → {"ok":true,"warnings":["file:line:col: ..."]}
//                    | {"ok":false,"error":"configuration has errors","errors":["file:line:col:
//                    ..."]}
//   queue flush      → {"ok":true,"queue":"flush"}   every entry is tried now
//   queue retry <id> → {"ok":true,"queue":"retry","id":"<id>"}   one entry is tried now
//   queue delete <id>→ {"ok":true,"queue":"delete","id":"<id>"}  removed as soon as no
//                      delivery of it runs (`tegami queue delete` waits for env/<id> to go)
//                    | {"ok":false,"error":"no such queue entry"}
//   anything else    → {"ok":false,"error":"<why>"}
// Every answer is a single line ending in "\n"; strings are JSON-escaped (invalid UTF-8 bytes
// are replaced by U+FFFD). The server answers each line in order; a client may send several.
//
// handle_request() is pure given its Backend; the daemon calls it on its main loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "control/session_registry.h"

namespace tegami::control {

inline constexpr std::size_t kMaxRequestLine = 1024;

struct ReloadOutcome {
  bool ok = false;
  std::vector<std::string> errors;    // "file:line:col: message"
  std::vector<std::string> warnings;  // same shape
};

// What the daemon offers the control socket. Called on the thread that calls handle_request().
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::vector<SessionInfo> sessions() = 0;
  virtual std::size_t kick(std::string_view user) = 0;
  virtual ReloadOutcome reload() = 0;
  // The queue manager's actions; "" when done/requested, else the error text. Defaults: no
  // queue in this process.
  enum class QueueAction { kFlush, kRetry, kDelete };
  virtual std::string queue_action(QueueAction action, std::string_view id) {
    (void)action;
    (void)id;
    return "no mail queue in this process";
  }
};

struct Request {
  enum class Kind { kWho, kKick, kReload, kQueueFlush, kQueueRetry, kQueueDelete, kInvalid };
  Kind kind = Kind::kInvalid;
  std::string argument;  // kKick: the user; kQueueRetry/kQueueDelete: the id; kInvalid: why
};

// Parses one line (without its LF; a trailing CR is ignored).
Request parse_request(std::string_view line);

// The answer line (with "\n") for one request line.
std::string handle_request(std::string_view line, Backend& backend);

// An answer for an over-long line, or any other error found before parsing.
std::string error_response(std::string_view message);

// "2026-11-25T10:00:00Z" (UTC, seconds).
std::string format_utc(std::chrono::system_clock::time_point t);

}  // namespace tegami::control
