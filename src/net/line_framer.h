// CRLF line framing with a maximum length (Redis processInlineBuffer, nginx mail parsers).
//
// A protocol handler owns one LineFramer and calls next() on the bytes the connection hands
// it. The framer finds one line at a time; the handler consumes `consumed` bytes and calls
// again. A line longer than max_line is reported once as kTooLong (so the handler can answer
// its protocol's error, e.g. IMAP "* BAD line too long", SMTP "500 5.5.2"), and the rest of
// that line up to its CRLF is then skipped silently. A bare LF also ends a line (lenient, as
// Dovecot and Postfix are). Pure; one instance per connection; any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace net {

class LineFramer {
 public:
  enum class Kind {
    kLine,      // `line` is one line without its CRLF/LF
    kNeedMore,  // no complete line yet; consume `consumed` (may be > 0 while skipping)
    kTooLong,   // a line passed max_line; consume `consumed`; answer the protocol's error
  };
  struct Result {
    Kind kind = Kind::kNeedMore;
    std::string_view line;  // kLine: a view into the data passed to next()
    size_t consumed = 0;    // bytes of the data to drop now
  };

  // max_line counts the bytes before CRLF. REQUIRES: max_line > 0.
  explicit LineFramer(size_t max_line) : max_line_(max_line) {}

  Result next(std::string_view data);

  // True while the remainder of an over-long line is being skipped.
  bool skipping() const { return skipping_; }
  size_t max_line() const { return max_line_; }
  void set_max_line(size_t max_line) { max_line_ = max_line; }

 private:
  size_t max_line_;
  bool skipping_ = false;
};

}  // namespace net
