#include "smtp/data_reader.h"

namespace tegami_smtp {

namespace {
constexpr std::string_view kReceived = "received:";
}

// Watches the emitted (unstuffed) stream for header lines "Received:" until the first empty
// line. Emitted line ends are always CRLF pairs in a message that is accepted; a message with
// bare CR/LF is refused anyway, so its count does not matter.
void DataReader::observe_header(char c) {
  if (!in_header_) return;
  if (c == '\n' && prev_cr_) {
    if (line_empty_) in_header_ = false;
    line_empty_ = true;
    match_ = 0;
    prev_cr_ = false;
    return;
  }
  if (c == '\r') {
    prev_cr_ = true;
    return;
  }
  prev_cr_ = false;
  line_empty_ = false;
  if (match_ < 0 || match_ >= static_cast<int>(kReceived.size())) return;
  char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (lower == kReceived[match_]) {
    ++match_;
    if (match_ == static_cast<int>(kReceived.size())) ++received_;
  } else {
    match_ = -1;
  }
}

void DataReader::emit(char c, std::string& out) {
  observe_header(c);
  if (too_big_) return;
  if (max_size_ != 0 && size_ + 1 > max_size_) {
    too_big_ = true;
    return;
  }
  ++size_;
  out.push_back(c);
}

// States: kLineStart = right after a real CRLF (or the DATA command); kMid = inside a line;
// kCr = a CR was read and its LF is awaited; kDot = a '.' at line start; kDotCr = ".\r" at line
// start. Only kDotCr + LF ends the message.
DataReader::Step DataReader::feed(std::string_view in, std::string& out) {
  Step step;
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    switch (state_) {
      case State::kDone:
        step.consumed = i;
        step.done = true;
        return step;
      case State::kLineStart:
      case State::kMid:
        if (state_ == State::kLineStart && c == '.') {
          state_ = State::kDot;  // stuffed dot or end mark: decided by what follows
        } else if (c == '\r') {
          state_ = State::kCr;
        } else {
          if (c == '\n') bad_line_end_ = true;  // a bare LF never starts a line
          emit(c, out);
          state_ = State::kMid;
        }
        ++i;
        break;
      case State::kCr:
        if (c == '\n') {
          emit('\r', out);
          emit('\n', out);
          state_ = State::kLineStart;
          ++i;
        } else {
          bad_line_end_ = true;  // a bare CR: keep it, read c again inside the line
          emit('\r', out);
          state_ = State::kMid;
        }
        break;
      case State::kDot:
        if (c == '\r') {
          state_ = State::kDotCr;
          ++i;
        } else {
          state_ = State::kMid;  // the stuffed dot is dropped; c is read again as line content
        }
        break;
      case State::kDotCr:
        if (c == '\n') {
          state_ = State::kDone;
          ++i;
          step.consumed = i;
          step.done = true;
          return step;
        }
        // ".\r<not LF>": the dot was stuffing; the CR is a bare CR inside the line.
        bad_line_end_ = true;
        emit('\r', out);
        state_ = State::kMid;
        break;
    }
  }
  step.consumed = i;
  step.done = state_ == State::kDone;
  return step;
}

}  // namespace tegami_smtp
