// RFC 2047 / RFC 2231 header decoding, charsets (Japanese included) and transfer decoders.
#include <doctest/doctest.h>

#include <string>

#include "mime/charset.h"
#include "mime/header_decode.h"
#include "mime/transfer.h"

TEST_CASE("RFC 2047 section 8 examples") {
  using mime::decode_header_text;
  CHECK(decode_header_text("=?ISO-8859-1?Q?a?=") == "a");
  CHECK(decode_header_text("=?ISO-8859-1?Q?a?= b") == "a b");
  CHECK(decode_header_text("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=") == "ab");
  CHECK(decode_header_text("=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=") == "ab");
  CHECK(decode_header_text("=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=") == "ab");
  CHECK(decode_header_text("=?ISO-8859-1?Q?a_b?=") == "a b");
  CHECK(decode_header_text("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=") == "a b");
  CHECK(decode_header_text("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=") == "Keld J\xc3\xb8rn Simonsen");
  CHECK(decode_header_text("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>") ==
        "Keith Moore <moore@cs.utk.edu>");
  CHECK(decode_header_text("(=?ISO-8859-1?Q?a?= b)") == "(a b)");
}

TEST_CASE("ISO-2022-JP subject, split across encoded words") {
  auto enc = mime::from_utf8("ISO-2022-JP", "会議の件");
  REQUIRE(enc.has_value());
  auto back = mime::to_utf8("ISO-2022-JP", *enc);
  REQUIRE(back.has_value());
  CHECK(*back == "会議の件");
  CHECK(mime::decode_header_text("=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=") == "てすと");
  // two words whose bytes only make sense together (a multibyte sequence split)
  CHECK(mime::decode_header_text("=?UTF-8?B?5pel?= =?UTF-8?B?5pys?=") == "日本");
  CHECK(mime::decode_header_text("=?utf-8?q?=E6=97?= =?utf-8?q?=A5?=") == "日");
}

TEST_CASE("Microsoft extensions in ISO-2022-JP (CP50221): NEC row 13 and IBM rows") {
  // ESC $ B 0x2D 0x21 = ① and 0x2D 0x6A = ㈱ (NEC special row 13)
  CHECK(mime::to_utf8("iso-2022-jp", "\x1b$B-!-j\x1b(B").value() == "①㈱");
  // NEC-selected IBM extension 0x7921 → U+7E8A (纊)
  CHECK(mime::to_utf8("ISO-2022-JP", "\x1b$By!\x1b(B").value() == "纊");
  // half-width katakana through ESC ( I : ｱｲ
  CHECK(mime::to_utf8("ISO-2022-JP", "\x1b(I12\x1b(B").value() == "ｱｲ");
}

TEST_CASE("Shift_JIS / CP932, EUC-JP, Latin and Windows charsets") {
  auto sj = mime::from_utf8("Shift_JIS", "お世話になっております");
  REQUIRE(sj.has_value());
  CHECK(mime::to_utf8("shift_jis", *sj).value() == "お世話になっております");
  CHECK(mime::to_utf8("windows-31j", "\x87\x40").value() == "①");  // CP932 NEC special
  auto euc = mime::from_utf8("EUC-JP", "日本語");
  REQUIRE(euc.has_value());
  CHECK(mime::to_utf8("EUC-JP", *euc).value() == "日本語");
  CHECK(mime::to_utf8("iso-8859-1", "caf\xe9").value() == "café");
  CHECK(mime::to_utf8("ISO-8859-15", "\xa4").value() == "€");
  CHECK(mime::to_utf8("windows-1252", "\x80").value() == "€");
  CHECK(mime::to_utf8("windows-1251", "\xc0").value() == "А");
  CHECK_FALSE(mime::to_utf8("x-no-such-charset", "a").has_value());
  CHECK_FALSE(mime::charset_known("x-no-such-charset"));
  CHECK(mime::charset_known("ISO-2022-JP"));
  CHECK(mime::to_utf8("utf-8",
                      "a\xff"
                      "b")
            .value() ==
        "a\xef\xbf\xbd"
        "b");
}

TEST_CASE("undecodable words stay as written; raw 8-bit headers are guessed") {
  CHECK(mime::decode_header_text("=?x-unknown?Q?abc?=") == "abc");
  CHECK(mime::decode_header_text("=?utf-8?Q?broken") == "=?utf-8?Q?broken");
  CHECK(mime::decode_header_text("plain text") == "plain text");
  auto sj = mime::from_utf8("Shift_JIS", "見積書").value();
  CHECK(mime::decode_header_text(sj) == "見積書");
}

TEST_CASE("RFC 2231 parameters: continuations, charset and language, plain 2047 fallback") {
  std::vector<mime::Param> raw = {{"title*0*", "us-ascii'en'This%20is%20even%20more%20"},
                                  {"title*1*", "%2A%2A%2Afun%2A%2A%2A%20"},
                                  {"title*2", "isn't it!"},
                                  {"filename*", "UTF-8''%E8%B3%87%E6%96%99.txt"},
                                  {"name", "=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?="},
                                  {"charset", "us-ascii"}};
  auto d = mime::decode_params(raw);
  REQUIRE(d.size() == 4);
  CHECK(d[0].name == "title");
  CHECK(d[0].value == "This is even more ***fun*** isn't it!");
  CHECK(d[1].name == "filename");
  CHECK(d[1].value == "資料.txt");
  CHECK(d[2].value == "てすと");
  CHECK(d[3].value == "us-ascii");
}

TEST_CASE("base64 and quoted-printable decode the same fed whole or one byte at a time") {
  struct Case {
    const char* enc;
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"base64", "SGVsbG8s\nIHdvcmxk\nIQ==\n", "Hello, world!"},
      {"base64", "SGVsbG8*sIHdv!cmxkIQ", "Hello, world!"},  // garbage skipped
      {"quoted-printable", "caf=C3=A9 =3D ok=\nsoft  \nnext\t\n", "café = oksoft\nnext\n"},
      {"quoted-printable", "a=\r\nb=ZZc=", "ab=ZZc"},
      {"Quoted-Printable", "x  =\n  y", "x    y"},
      {"7bit", "as is\n", "as is\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    CHECK(mime::transfer_decode(c.enc, c.in) == c.out);
    mime::TransferDecoder d(c.enc);
    std::string out;
    for (char ch : c.in) d.feed(std::string_view(&ch, 1), out);
    d.finish(out);
    CHECK(out == c.out);
  }
}

TEST_CASE("a Shift_JIS body through transfer and charset decoding") {
  std::string body = mime::from_utf8("Shift_JIS", "お世話になっております。\n").value();
  CHECK(mime::to_utf8("Shift_JIS", mime::transfer_decode("8bit", body)).value() ==
        "お世話になっております。\n");
}
