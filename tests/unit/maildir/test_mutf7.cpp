// Modified UTF-7 (RFC 3501 5.1.3): RFC and Japanese vectors, strictness, round trips.
#include <doctest/doctest.h>

#include <string>

#include "maildir/mutf7.h"

using maildir::Code;
using maildir::decode_mutf7;
using maildir::encode_mutf7;

namespace {

struct Vector {
  const char* utf8;
  const char* mutf7;
};

// Checked against an independent encoder (Python: UTF-16BE + base64, '/' -> ',').
const Vector kVectors[] = {
    {"", ""},
    {"INBOX", "INBOX"},
    {"下書き", "&Tgtm+DBN-"},
    {"送信済み", "&kAFP4W4IMH8-"},
    {"&", "&-"},
    {"a&b", "a&-b"},
    {"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},  // RFC 3501 example
    {"Entwürfe", "Entw&APw-rfe"},
    {"é", "&AOk-"},
    {"Hi Mom -☺-!", "Hi Mom -&Jjo--!"},
    {"😀", "&2D3eAA-"},  // a surrogate pair
    {"日本語 & 下書き", "&ZeVnLIqe- &- &Tgtm+DBN-"},
    {"tab\there", "tab&AAk-here"},  // control characters are encoded (the name check refuses)
};

}  // namespace

TEST_CASE("encode and decode the RFC and Japanese vectors") {
  for (const Vector& v : kVectors) {
    CAPTURE(v.utf8);
    auto enc = encode_mutf7(v.utf8);
    REQUIRE(enc.ok());
    CHECK(*enc == v.mutf7);
    auto dec = decode_mutf7(v.mutf7);
    REQUIRE(dec.ok());
    CHECK(*dec == v.utf8);
  }
}

TEST_CASE("decode refuses non-canonical and malformed input") {
  const char* bad[] = {
      "&",                // '&' not closed
      "&Tgtm+DBN",        // section not closed by '-'
      "abc&",             // '&' at the end
      "&AGE-",            // 'a' (printable ASCII) encoded in base64
      "&ACY-",            // '&' encoded instead of "&-"
      "&AC4ALg-",         // ".." encoded
      "&AC8-",            // '/' encoded
      "&Tgtm+DBN-&MEw-",  // two sections back to back
      "&Tgtm/DBN-",       // '/' is not in the modified base64 alphabet
      "&Tgtm=DBN-",       // padding character
      "&AOl-",            // non-zero padding bits (&AOk- is é)
      "&Tg-",             // 12 bits: not a whole UTF-16 unit
      "&TgtmAAA-",        // a whole base64 character beyond the last unit
      "&2D0-",            // lone high surrogate
      "&3gA-",            // lone low surrogate
      "&2D3YPQ-",         // high surrogate followed by a high surrogate
      "&3gDYPQ-",         // low before high
      "\x80",             // raw 8-bit byte
      "\xe4\xb8\x8b",     // raw UTF-8
      "a\tb",             // raw control character
      "a\x7f",            // DEL
      "&&-",              // '&' inside a section
  };
  for (const char* c : bad) {
    std::string s = c;
    CAPTURE(s);
    auto r = decode_mutf7(s);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().code() == Code::kInvalidName);
  }
}

TEST_CASE("encode refuses invalid UTF-8") {
  const std::string bad[] = {
      "\x80",                        // stray continuation byte
      "\xc3",                        // truncated
      "\xc0\xaf",                    // overlong '/'
      "\xe0\x80\xae",                // overlong '.'
      "\xed\xa0\x80",                // encoded surrogate U+D800
      "\xf4\x90\x80\x80",            // above U+10FFFF
      "\xff",                        // never valid
      std::string("ok\xe3\x81", 4),  // truncated at the end
  };
  for (const std::string& s : bad) {
    CAPTURE(s);
    auto r = encode_mutf7(s);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().code() == Code::kInvalidName);
  }
}

TEST_CASE("every code point round trips and the encoding is printable ASCII") {
  // One pass over the BMP (minus surrogates) plus samples above it, in chunks of mixed text.
  std::string utf8;
  auto append = [&utf8](uint32_t cp) {
    if (cp < 0x80) {
      utf8 += static_cast<char>(cp);
    } else if (cp < 0x800) {
      utf8 += static_cast<char>(0xc0 | (cp >> 6));
      utf8 += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      utf8 += static_cast<char>(0xe0 | (cp >> 12));
      utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      utf8 += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      utf8 += static_cast<char>(0xf0 | (cp >> 18));
      utf8 += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      utf8 += static_cast<char>(0x80 | (cp & 0x3f));
    }
  };
  for (uint32_t start = 0; start < 0x110000; start += (start < 0x10000 ? 97 : 4099)) {
    utf8.clear();
    for (uint32_t cp = start; cp < start + 7 && cp < 0x110000; ++cp) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      append(cp);
      if (cp % 3 == 0) append('x');  // mix direct characters in
    }
    auto enc = encode_mutf7(utf8);
    REQUIRE(enc.ok());
    for (char c : *enc) REQUIRE((c >= 0x20 && c <= 0x7e));
    auto dec = decode_mutf7(*enc);
    REQUIRE(dec.ok());
    REQUIRE(*dec == utf8);
  }
}
