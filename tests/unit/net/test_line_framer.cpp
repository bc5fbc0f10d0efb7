// LineFramer: complete lines, partial input, over-long lines, byte drip.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/line_framer.h"

using net::LineFramer;

namespace {

// Feeds `input` in pieces of `step` bytes the way a handler does; returns lines, "<TOO LONG>"
// for each over-long line.
std::vector<std::string> run(LineFramer& f, const std::string& input, size_t step) {
  std::vector<std::string> out;
  std::string buffered;
  for (size_t at = 0; at < input.size(); at += step) {
    buffered += input.substr(at, step);
    while (true) {
      auto r = f.next(buffered);
      if (r.kind == LineFramer::Kind::kLine) out.emplace_back(r.line);  // a view: copy first
      buffered.erase(0, r.consumed);
      if (r.kind == LineFramer::Kind::kLine) {
        continue;
      } else if (r.kind == LineFramer::Kind::kTooLong) {
        out.emplace_back("<TOO LONG>");
      } else if (r.consumed == 0) {
        break;
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("lines_crlf_and_bare_lf") {
  LineFramer f(100);
  auto r = f.next("A1 NOOP\r\nA2");
  CHECK(r.kind == LineFramer::Kind::kLine);
  CHECK(r.line == "A1 NOOP");
  CHECK(r.consumed == 9);
  r = f.next("A2");
  CHECK(r.kind == LineFramer::Kind::kNeedMore);
  CHECK(r.consumed == 0);
  r = f.next("QUIT\n");
  CHECK(r.line == "QUIT");
  r = f.next("\r\n");
  CHECK(r.kind == LineFramer::Kind::kLine);
  CHECK(r.line.empty());
}

TEST_CASE("exact_max_length_is_accepted_one_more_is_not") {
  LineFramer f(10);
  auto r = f.next(std::string(10, 'a') + "\r\n");
  CHECK(r.kind == LineFramer::Kind::kLine);
  CHECK(r.line.size() == 10);
  r = f.next(std::string(11, 'a') + "\r\n");
  CHECK(r.kind == LineFramer::Kind::kTooLong);
  CHECK(r.consumed == 13);
  CHECK_FALSE(f.skipping());
  // Without the end yet: reported as soon as it cannot fit, then skipped to its end.
  CHECK(f.next(std::string(10, 'a') + "\r").kind == LineFramer::Kind::kNeedMore);
  r = f.next(std::string(12, 'a'));
  CHECK(r.kind == LineFramer::Kind::kTooLong);
  CHECK(f.skipping());
  r = f.next("bbb\r\nnext\r\n");
  CHECK(r.kind == LineFramer::Kind::kNeedMore);
  CHECK(r.consumed == 5);
  r = f.next("next\r\n");
  CHECK(r.line == "next");
}

TEST_CASE("byte_drip_gives_the_same_lines") {
  std::string input = "one\r\ntwo\r\n" + std::string(50, 'x') + "\r\nthree\r\n\r\nfour\n";
  std::vector<std::string> want = {"one", "two", "<TOO LONG>", "three", "", "four"};
  for (size_t step : {1, 2, 3, 7, 64, 1000}) {
    LineFramer f(20);
    CHECK_MESSAGE(run(f, input, step) == want, "step ", step);
  }
}
