// The POP3 multi-line body transform (RFC 1939 §3): LF or CRLF line ends become CRLF, a line
// starting with "." gets another "." in front, and the response ends with ".\r\n" (preceded by
// a CRLF if the message did not end with a line end). For TOP it stops after the header, the
// blank line and `body_lines` body lines. Pure and incremental: bytes of the file in any
// pieces, the wire bytes out. MessageStream (below) is the PullSource that streams a message
// file through it without loading the file.
//
// Thread safety: one instance per stream; the PullSource runs on the connection's loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "maildir/status.h"
#include "net/connection.h"

namespace tegami::pop3 {

class DotStuffer {
 public:
  // body_lines: nullopt = the whole message (RETR); n = TOP's line count.
  explicit DotStuffer(std::optional<std::uint32_t> body_lines = std::nullopt)
      : body_lines_(body_lines) {}

  // Appends the wire form of `in` to `out`. Returns false once TOP's limit is reached (later
  // input is ignored; the caller may stop reading).
  bool feed(std::string_view in, std::string& out);
  // Appends the end of the response (a CRLF if needed, then ".\r\n"). Call once.
  void finish(std::string& out);
  bool done() const { return done_; }

 private:
  void end_line(std::string& out);

  std::optional<std::uint32_t> body_lines_;
  bool at_line_start_ = true;
  bool pending_cr_ = false;
  bool in_body_ = false;
  bool line_empty_ = true;
  std::uint32_t body_seen_ = 0;
  bool done_ = false;
};

// Streams `path` through a DotStuffer: the file is opened at once (kNotFound etc. returned),
// read in 64 KB pieces as the socket drains.
maildir::Result<std::unique_ptr<net::PullSource>> open_message_stream(
    const std::string& path, std::optional<std::uint32_t> body_lines);

}  // namespace tegami::pop3
