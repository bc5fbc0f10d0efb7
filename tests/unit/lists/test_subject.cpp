// Subject tags: format, stripping of old tags and reply prefixes, charset round trips.
#include <doctest/doctest.h>

#include "lists/subject.h"
#include "mime/charset.h"
#include "mime/header_decode.h"

using namespace tegami_lists;

TEST_CASE("format_tag expands %t, %n with printf width, %%") {
  CHECK(format_tag("[%t:%05n]", "sales", 42) == "[sales:00042]");
  CHECK(format_tag("(%t %n)", "ml", 7) == "(ml 7)");
  CHECK(format_tag("[%t:%3n]", "a", 7) == "[a:  7]");
  CHECK(format_tag("%t-%n 100%%", "x", 123456) == "x-123456 100%");
  CHECK(format_tag("[%t:%05n]", "sales", 1234567) == "[sales:1234567]");
  CHECK(format_tag("%q%", "x", 1) == "%q%");
}

TEST_CASE("match_tag finds a tag of the same list with any number") {
  CHECK(match_tag("[sales:00041] hi", "[%t:%05n]", "sales") == 13);
  CHECK(match_tag("[SALES:7] hi", "[%t:%05n]", "sales") == 9);
  CHECK(match_tag("[other:00041] hi", "[%t:%05n]", "sales") == 0);
  CHECK(match_tag("[sales:] hi", "[%t:%05n]", "sales") == 0);
  CHECK(match_tag("[sales] hi", "[%t]", "sales") == 7);
}

TEST_CASE("stacked reply prefixes of every common spelling collapse") {
  const char* fmt = "[%t:%05n]";
  struct Case {
    const char* in;
    bool reply;
    const char* rest;
  } cases[] = {
      {"hello", false, "hello"},
      {"Re: hello", true, "hello"},
      {"Re: Re: RE: hello", true, "hello"},
      {"Re[2]: hello", true, "hello"},
      {"Re^3: hello", true, "hello"},
      {"re:hello", true, "hello"},
      {"\xE8\xBF\x94\xE4\xBF\xA1: hello", true, "hello"},             // 返信:
      {"\xE8\xBF\x94\xE4\xBF\xA1\xEF\xBC\x9A hello", true, "hello"},  // 返信：
      {"\xEF\xBC\xB2\xEF\xBD\x85\xEF\xBC\x9A hello", true, "hello"},  // Ｒｅ：
      {"Re: [sales:00041] Re: hello", true, "hello"},
      {"[sales:00041] [sales:00040] hello", false, "hello"},
      {"[other:00001] Re: hello", false, "[other:00001] Re: hello"},
      {"Fwd: hello", false, "Fwd: hello"},
      {"Really", false, "Really"},
      {"Re", false, "Re"},
      {"\xE3\x80\x80Re: \xE3\x80\x80hello", true, "hello"},  // ideographic spaces
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    StrippedSubject s = strip_subject(c.in, fmt, "sales");
    CHECK(s.reply == c.reply);
    CHECK(s.rest == c.rest);
  }
}

TEST_CASE("ASCII subjects stay plain; an old tag is replaced") {
  CHECK(tag_subject("Re: [sales:00041] meeting", "[%t:%05n]", "sales", "[sales:00042]") ==
        "[sales:00042] Re: meeting");
  CHECK(tag_subject("meeting", "[%t:%05n]", "sales", "[sales:00042]") == "[sales:00042] meeting");
  CHECK(tag_subject("", "[%t:%05n]", "sales", "[sales:00042]") == "[sales:00042]");
}

TEST_CASE("an ISO-2022-JP subject stays ISO-2022-JP and decodes to the tagged text") {
  std::string topic = "\xE4\xBC\x9A\xE8\xAD\xB0\xE3\x81\xAE\xE4\xBB\xB6";  // 会議の件
  std::string raw = encode_words("Re: Re: " + topic, "ISO-2022-JP");
  REQUIRE(raw.rfind("=?ISO-2022-JP?B?", 0) == 0);
  std::string out = tag_subject(raw, "[%t:%05n]", "sales", "[sales:00042]");
  CHECK(out.find("=?ISO-2022-JP?B?") != std::string::npos);
  CHECK(out.find("UTF-8") == std::string::npos);
  // Unfold as a reader does, then decode.
  std::string unfolded;
  for (char c : out)
    if (c != '\r' && c != '\n') unfolded += c;
  CHECK(mime::decode_header_text(unfolded) == "[sales:00042] Re: " + topic);
}

TEST_CASE("a long Japanese subject is split into words of at most 75 characters") {
  std::string topic;
  for (int i = 0; i < 40; ++i) topic += "\xE6\x97\xA5\xE6\x9C\xAC";  // 日本 ×40
  std::string out =
      tag_subject(encode_words(topic, "ISO-2022-JP"), "[%t:%05n]", "sales", "[sales:00001]");
  size_t start = 0;
  int words = 0;
  while (start < out.size()) {
    size_t end = out.find("\r\n ", start);
    std::string line =
        out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.rfind("=?", 0) == 0) {
      ++words;
      CHECK(line.size() <= 75);
      // Each word is a whole ISO-2022-JP conversion: it ends back in ASCII (ESC ( B).
      std::string decoded = mime::decode_header_text(line);
      CHECK(mime::valid_utf8(decoded));
    }
    if (end == std::string::npos) break;
    start = end + 3;
  }
  CHECK(words > 2);
  std::string unfolded;
  for (char c : out)
    if (c != '\r' && c != '\n') unfolded += c;
  CHECK(mime::decode_header_text(unfolded) == "[sales:00001] " + topic);
}

TEST_CASE("UTF-8 words stay UTF-8, raw UTF-8 stays raw") {
  std::string topic = "caf\xC3\xA9 \xE2\x98\x95";
  std::string out =
      tag_subject("=?utf-8?q?Re=3A_caf=C3=A9_=E2=98=95?=", "[%t:%05n]", "ml", "[ml:00003]");
  CHECK(out.find("=?utf-8?B?") != std::string::npos);
  std::string unfolded;
  for (char c : out)
    if (c != '\r' && c != '\n') unfolded += c;
  CHECK(mime::decode_header_text(unfolded) == "[ml:00003] Re: " + topic);
  CHECK(tag_subject("Re: " + topic, "[%t:%05n]", "ml", "[ml:00003]") == "[ml:00003] Re: " + topic);
}

TEST_CASE("a broken charset label never reaches the output") {
  std::string raw = "=?utf-8\xff\xff\xff?q?Re=3A_x?= =?utf-8?q?caf=C3=A9?=";
  std::string out = tag_subject(raw, "[%t:%05n]", "ml", "[ml:00001]");
  for (char c : out) CHECK(static_cast<unsigned char>(c) < 0x80);
  CHECK(out.size() < 200);
}
