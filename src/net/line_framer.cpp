#include "net/line_framer.h"

namespace net {

LineFramer::Result LineFramer::next(std::string_view data) {
  Result r;
  size_t lf = data.find('\n');
  if (skipping_) {
    // Dropping the tail of an over-long line: everything up to and including its LF.
    if (lf == std::string_view::npos) {
      r.consumed = data.size();
      return r;
    }
    skipping_ = false;
    r.consumed = lf + 1;
    return r;  // kNeedMore with consumed > 0: the caller loops
  }
  if (lf == std::string_view::npos) {
    // No end of line yet. Too long already? (+1 leaves room for a CR still to come.)
    if (data.size() > max_line_ + 1 || (data.size() == max_line_ + 1 && data.back() != '\r')) {
      skipping_ = true;
      r.kind = Kind::kTooLong;
      r.consumed = data.size();
    }
    return r;
  }
  size_t end = lf;
  if (end > 0 && data[end - 1] == '\r') --end;
  if (end > max_line_) {
    r.kind = Kind::kTooLong;
    r.consumed = lf + 1;
    return r;
  }
  r.kind = Kind::kLine;
  r.line = data.substr(0, end);
  r.consumed = lf + 1;
  return r;
}

}  // namespace net
