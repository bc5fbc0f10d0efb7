// The DATA reader: message bytes after "354" until the end-of-data mark (RFC 5321 §4.1.1.4,
// §4.5.2).
//
// Only <CRLF>.<CRLF> ends the message, where the first CRLF is a real CRLF pair ending the
// previous line (or the DATA command itself: "DATA\r\n.\r\n" is an empty message). A bare LF
// or a bare CR never starts a line, so no smuggling sequence — "\n.\n", "\r.\r", "\n.\r\n",
// "\r\n.\n", "\r\n.\r", "\r.\r\n" — can ever end a message or split one transmission into two.
// Policy: a message containing any bare LF or bare CR is REFUSED (bad_line_end() is true at
// the end; answer 550 5.6.11 and store nothing), as Postfix does with smtpd_forbid_bare_newline
// = reject; it is never normalised.
//
// Dot-unstuffing is exact: a line starting with "." has that one dot removed (RFC 5321 §4.5.2);
// nothing else is changed. The output keeps CRLF line ends.
//
// Size: size() counts the unstuffed bytes with CRLF line ends (what SMTP SIZE counts). Once it
// would pass max_size, output stops (no more bytes are appended) and too_big() is true; the
// reader still reads to the end-of-data mark so the session can answer 552 5.3.4 in sync.
//
// Loop detection: received_count() counts header lines starting with "Received:" (any case)
// in the header section (up to the first empty line).
//
// Pure and incremental: any split of the input gives the same output. One per transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tegami_smtp {

class DataReader {
 public:
  struct Step {
    size_t consumed = 0;  // bytes of the input used (all of it unless done)
    bool done = false;    // the end-of-data mark was read; the bytes after it are not consumed
  };

  // max_size: largest message in bytes (0 = no limit).
  explicit DataReader(std::uint64_t max_size = 0) : max_size_(max_size) {}

  // Reads `in`, appends message bytes to `out`. REQUIRES: !done() before.
  Step feed(std::string_view in, std::string& out);

  bool done() const { return state_ == State::kDone; }
  bool too_big() const { return too_big_; }
  bool bad_line_end() const { return bad_line_end_; }
  std::uint64_t size() const { return size_; }
  unsigned received_count() const { return received_; }

 private:
  enum class State { kLineStart, kMid, kCr, kDot, kDotCr, kDone };
  void emit(char c, std::string& out);
  void observe_header(char c);

  std::uint64_t max_size_;
  State state_ = State::kLineStart;
  std::uint64_t size_ = 0;
  bool too_big_ = false;
  bool bad_line_end_ = false;
  // Header scan: in the header section; position of the current line in "received:" (or -1
  // when the line cannot match); whether the current emitted line is empty so far.
  bool in_header_ = true;
  int match_ = 0;
  bool line_empty_ = true;
  bool prev_cr_ = false;
  unsigned received_ = 0;
};

}  // namespace tegami_smtp
