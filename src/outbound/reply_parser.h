// The SMTP client's reply parser (RFC 5321 §4.2): bytes from a server in, whole replies out.
//
// A reply is one or more lines "<code>-<text>" ending with "<code> <text>" (or "<code>"
// alone); every line of one reply carries the same three-digit code 2xx..5xx. Lines end with
// CRLF; a bare LF is accepted too (lenient, as Postfix's client is) and a CR before it is
// dropped. Anything else is garbage and ends the session with kError: a line that does not
// start with a code and ' ' / '-' / end of line, a continuation with a different code, a
// line longer than max_line, more than max_lines lines or more than max_bytes bytes in one
// reply (a server that sends an endless multi-line reply is cut off at the limit, before the
// parser buffers more).
//
// Pure and incremental: call next() with everything received and not yet consumed; drop
// `consumed` bytes and call again. Any split of the input gives the same replies. One instance
// per connection; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tegami::outbound {

struct Reply {
  int code = 0;                    // 220, 250, 354, 421, 550, ...
  std::vector<std::string> lines;  // the text of each line, after "NNN-" / "NNN "
  // The RFC 3463 enhanced status code at the start of the first line ("5.1.1"), or "".
  std::string enhanced() const;
  // The whole reply on one line: "550 5.1.1 no such user / second line" (for DSNs and logs;
  // control characters replaced by '?').
  std::string one_line() const;
  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
};

struct ReplyLimits {
  size_t max_line = 2048;        // octets before the line end (RFC 5321 says 512; be lenient)
  size_t max_lines = 128;        // lines in one reply
  size_t max_bytes = 64 * 1024;  // octets in one reply
};

class ReplyParser {
 public:
  enum class Kind {
    kNeedMore,  // no complete reply yet; `consumed` may be > 0 (lines stored inside)
    kReply,     // `reply` is complete
    kError,     // garbage or a limit; `error` says which. The parser stays in error.
  };
  struct Result {
    Kind kind = Kind::kNeedMore;
    Reply reply;
    size_t consumed = 0;
    std::string error;
  };

  explicit ReplyParser(ReplyLimits limits = {}) : limits_(limits) {}

  Result next(std::string_view data);
  // Forget a partial reply (after STARTTLS every plaintext byte buffered is discarded).
  void reset();

 private:
  Result fail(std::string why, size_t consumed);
  ReplyLimits limits_;
  Reply partial_;
  size_t partial_bytes_ = 0;
  bool failed_ = false;
};

// One reply line from a code and text, e.g. for tests and synthesized replies.
Reply make_reply(int code, std::string_view text);

}  // namespace tegami::outbound
