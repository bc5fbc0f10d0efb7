// Relaxed canonicalization (RFC 6376 §3.4): the RFC's own example, table cases, byte drip, and
// the header-block helpers.
#include <doctest/doctest.h>

#include <string>

#include "dkim/canon.h"

using namespace tegami_dkim;

namespace {

// Feeds `body` in pieces of `step` bytes.
std::string drip(std::string_view body, std::size_t step) {
  RelaxedBody b;
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += step) b.feed(body.substr(i, step), out);
  b.finish(out);
  return out;
}

}  // namespace

TEST_CASE("rfc6376_3_4_5_example") {
  // RFC 6376 §3.4.5: the header and body of the example message, relaxed.
  CHECK(relaxed_header("A: X\r\n") == "a:X\r\n");
  CHECK(relaxed_header("B : Y\t\r\n\tZ  \r\n") == "b:Y Z\r\n");
  CHECK(relaxed_body(" C \r\nD \t E\r\n\r\n\r\n") == " C\r\nD E\r\n");
  std::string message = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";
  std::size_t end = header_end(message);
  REQUIRE(end == 22);
  std::vector<HeaderField> fields = split_header(std::string_view(message).substr(0, end));
  REQUIRE(fields.size() == 2);
  CHECK(fields[0].name == "A");
  CHECK(fields[1].name == "B");
  CHECK(relaxed_header(fields[1].raw) == "b:Y Z\r\n");
  CHECK(relaxed_body(std::string_view(message).substr(end)) == " C\r\nD E\r\n");
}

TEST_CASE("relaxed_body_table") {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"", ""},                                  // empty body: nothing (RFC 6376 errata 3133)
      {"\r\n", ""},                              // only empty lines
      {"\r\n\r\n\r\n", ""},                      //
      {"  \t \r\n \r\n", ""},                    // blank lines are empty lines
      {"abc", "abc\r\n"},                        // a missing final CRLF is added
      {"abc\r\n", "abc\r\n"},                    //
      {"a  b\t\tc \r\n", "a b c\r\n"},           // runs of WSP, trailing WSP
      {"\tindented\r\n", " indented\r\n"},       // leading WSP becomes one SP, not removed
      {"a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n"},  // inner empty lines stay
      {"a\r\n \r\nb\r\n", "a\r\n\r\nb\r\n"},     // a blank inner line becomes empty
      {"x\ry\r\n", "x\ry\r\n"},                  // a lone CR is content
      {"end\r", "end\r\r\n"},                    // a lone CR at the very end
      {"\xe3\x81\x82 \xe3\x81\x84  \r\n", "\xe3\x81\x82 \xe3\x81\x84\r\n"},  // 8-bit text
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    CHECK(relaxed_body(c.in) == c.out);
  }
}

TEST_CASE("relaxed_body_byte_drip_equals_whole") {
  std::string body = "Hello  world \t\r\n\r\n  indented\r\nlong " + std::string(5000, 'x') +
                     "  \r\n" + "cr\rinside\r\n \t \r\n\r\n\r\n";
  std::string whole = relaxed_body(body);
  for (std::size_t step : {1, 2, 3, 7, 64, 4096}) {
    CAPTURE(step);
    CHECK(drip(body, step) == whole);
  }
}

TEST_CASE("relaxed_header_table") {
  CHECK(relaxed_header("Subject: Hello\r\n") == "subject:Hello\r\n");
  CHECK(relaxed_header("SUBJECT :   a \t b   \r\n") == "subject:a b\r\n");
  CHECK(relaxed_header("To: a@example.com,\r\n b@example.com\r\n") ==
        "to:a@example.com, b@example.com\r\n");
  CHECK(relaxed_header("X-Empty:\r\n") == "x-empty:\r\n");
  CHECK(relaxed_header("X-Empty:   \r\n") == "x-empty:\r\n");
  CHECK(relaxed_header("Subject: no crlf") == "subject:no crlf\r\n");
  CHECK(relaxed_header("Subject: =?UTF-8?B?44GC?=\r\n") == "subject:=?UTF-8?B?44GC?=\r\n");
}

TEST_CASE("header_end_and_split") {
  CHECK(header_end("\r\nbody") == 2);
  CHECK(header_end("A: b\r\n") == std::string_view::npos);
  CHECK(header_end("A: b\r\n\r\n") == 8);
  std::vector<HeaderField> f =
      split_header("From: a@x\r\nnot a field\r\nTo: b@y,\r\n\tc@z\r\nSubject:s\r\n\r\n");
  REQUIRE(f.size() == 3);
  CHECK(f[0].name == "From");
  CHECK(f[1].raw == "To: b@y,\r\n\tc@z\r\n");
  CHECK(f[2].name == "Subject");
}

TEST_CASE("select_fields_bottom_up_and_oversigned") {
  std::vector<HeaderField> f =
      split_header("Received: 1\r\nTo: first\r\nFrom: me\r\nTo: second\r\n\r\n");
  std::vector<std::string_view> picked = select_fields(f, {"to", "to", "from", "from", "cc"});
  REQUIRE(picked.size() == 5);
  CHECK(picked[0] == "To: second\r\n");
  CHECK(picked[1] == "To: first\r\n");
  CHECK(picked[2] == "From: me\r\n");
  CHECK(picked[3].empty());  // oversigned: no second From
  CHECK(picked[4].empty());
}
