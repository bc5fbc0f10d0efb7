// LineReader: strict CRLF framing, bare CR/LF refused, 512-byte limit, byte drip.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "smtp/line_reader.h"

using namespace tegami_smtp;

namespace {

// "L:<line>" for a line, "LONG", "BAD"; the whole input is fed, in chunks of `chunk` bytes
// (0 = all at once) the way a connection buffer grows.
std::vector<std::string> frame(std::string_view in, size_t max = kMaxCommandLine,
                               size_t chunk = 0) {
  LineReader r(max);
  std::vector<std::string> out;
  std::string buf;
  size_t pos = 0;
  while (true) {
    if (pos < in.size()) {
      size_t n = chunk == 0 ? in.size() : std::min(chunk, in.size() - pos);
      buf.append(in.substr(pos, n));
      pos += n;
    }
    while (true) {
      auto res = r.next(buf);
      if (res.kind == LineReader::Kind::kLine) out.push_back("L:" + std::string(res.line));
      if (res.kind == LineReader::Kind::kTooLong) out.push_back("LONG");
      if (res.kind == LineReader::Kind::kBadLineEnd) out.push_back("BAD");
      buf.erase(0, res.consumed);
      if (res.kind == LineReader::Kind::kNeedMore && (res.consumed == 0 || buf.empty())) break;
    }
    if (pos >= in.size()) break;
  }
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("CRLF lines") {
  CHECK(frame("EHLO a\r\nQUIT\r\n") == V{"L:EHLO a", "L:QUIT"});
  CHECK(frame("\r\n") == V{"L:"});
  CHECK(frame("NOOP") == V{});
}

TEST_CASE("bare LF and bare CR make the line bad, never two commands") {
  CHECK(frame("NOOP\nQUIT\r\n") == V{"BAD", "L:QUIT"});
  CHECK(frame("NOOP\rQUIT\r\nNOOP\r\n") == V{"BAD", "L:NOOP"});
  CHECK(frame("RSET\r\rQUIT\r\n") == V{"BAD"});  // the bad line ends at the next LF
  CHECK(frame("\n") == V{"BAD"});
}

TEST_CASE("512 bytes including CRLF is the limit") {
  std::string ok(510, 'a');
  CHECK(frame(ok + "\r\n") == V{"L:" + ok});
  std::string too(511, 'a');
  CHECK(frame(too + "\r\nNOOP\r\n") == V{"LONG", "L:NOOP"});
  CHECK(frame(std::string(5000, 'x') + "\r\nNOOP\r\n") == V{"LONG", "L:NOOP"});
}

TEST_CASE("byte at a time gives the same lines") {
  std::vector<std::string> inputs = {"EHLO a\r\nMAIL FROM:<a@b>\r\n", "A\nB\r\n", "A\rB\r\nC\r\n",
                                     std::string(600, 'z') + "\r\nOK\r\n",
                                     std::string(510, 'q') + "\r\n"};
  for (const std::string& in : inputs) {
    CAPTURE(in.substr(0, 40));
    auto whole = frame(in);
    for (size_t chunk : {1, 2, 5, 13}) CHECK(frame(in, kMaxCommandLine, chunk) == whole);
  }
}

TEST_CASE("the limit can be raised for AUTH") {
  std::string line(4000, 'A');
  CHECK(frame(line + "\r\n", 12288) == V{"L:" + line});
}
