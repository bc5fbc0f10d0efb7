// Strict SMTP command-line framing (RFC 5321 §2.3.8, §4.5.3.1.4).
//
// Only CRLF ends a command line. A bare LF, or a CR not followed by LF, inside a command line
// makes that line invalid: the reader reports kBadLineEnd once the line is over (at the next
// LF, bare or not) so the session answers 501 5.5.2 and never acts on the bytes — this is what
// keeps "\n"-separated pipelining tricks from being read as several commands. A line longer
// than max_line bytes (default 512 including CRLF, RFC 5321 §4.5.3.1.4) is reported once as
// kTooLong when the limit is passed (answer 500 5.5.2); the rest of it, up to its end, is
// skipped silently.
//
// Pure and incremental: feed whatever bytes arrived; consume `consumed` and call again. Any
// split of the input gives the same sequence of results. One instance per connection.
#pragma once

#include <cstddef>
#include <string_view>

namespace tegami_smtp {

inline constexpr size_t kMaxCommandLine = 512;  // octets including CRLF

class LineReader {
 public:
  enum class Kind {
    kNeedMore,    // no complete line yet; `consumed` may be > 0 (bytes of a line being skipped)
    kLine,        // `line` (a view into the data passed in) without its CRLF
    kTooLong,     // the line passed max_line; its remainder will be skipped
    kBadLineEnd,  // the line held a bare CR or ended with a bare LF; it was dropped
  };
  struct Result {
    Kind kind = Kind::kNeedMore;
    std::string_view line;
    size_t consumed = 0;
  };

  // max_line counts the line with its CRLF. REQUIRES: max_line >= 3.
  explicit LineReader(size_t max_line = kMaxCommandLine) : max_line_(max_line) {}

  Result next(std::string_view data);

  // Changes the limit for the following lines (e.g. 12288 for an AUTH exchange, RFC 4954).
  void set_max_line(size_t max_line) { max_line_ = max_line; }
  size_t max_line() const { return max_line_; }
  // Forget a partial line (after STARTTLS, all buffered plaintext is discarded).
  void reset() { skip_ = Skip::kNone; }

 private:
  enum class Skip { kNone, kTooLong, kBad };
  size_t max_line_;
  Skip skip_ = Skip::kNone;
};

}  // namespace tegami_smtp
