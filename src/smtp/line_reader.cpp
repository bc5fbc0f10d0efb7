#include "smtp/line_reader.h"

namespace tegami_smtp {

// The reader never keeps bytes: a partial line stays in the caller's buffer (kNeedMore with
// consumed == 0) until its end arrives or it passes the limit. Only while skipping the tail of
// a refused line are bytes consumed without a complete line.
LineReader::Result LineReader::next(std::string_view data) {
  Result r;
  if (skip_ != Skip::kNone) {
    size_t lf = data.find('\n');
    if (lf == std::string_view::npos) {
      r.consumed = data.size();
      return r;
    }
    r.consumed = lf + 1;
    // A line that was too long was answered already; a bad line is answered at its end.
    r.kind = skip_ == Skip::kBad ? Kind::kBadLineEnd : Kind::kNeedMore;
    skip_ = Skip::kNone;
    return r;
  }
  const size_t limit = max_line_ - 2;  // bytes allowed before the CRLF
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (c == '\n') {  // a LF not preceded by CR (a CRLF is handled at its CR)
      r.kind = Kind::kBadLineEnd;
      r.consumed = i + 1;
      return r;
    }
    if (c == '\r') {
      if (i + 1 == data.size()) return r;  // CRLF or bare CR: decided by the next byte
      if (data[i + 1] == '\n') {
        r.kind = Kind::kLine;
        r.line = data.substr(0, i);
        r.consumed = i + 2;
        return r;
      }
      // A bare CR: the line is refused at its end.
      skip_ = Skip::kBad;
      Result rest = next(data.substr(i + 1));
      rest.consumed += i + 1;
      return rest;
    }
    if (i >= limit) {  // a content byte past the limit
      skip_ = Skip::kTooLong;
      r.kind = Kind::kTooLong;
      r.consumed = i + 1;
      return r;
    }
  }
  return r;
}

}  // namespace tegami_smtp
