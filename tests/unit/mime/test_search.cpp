// SEARCH text normalisation: case folding, full-width/half-width folding, whitespace.
#include <doctest/doctest.h>

#include "mime/search_text.h"

TEST_CASE("ASCII and Unicode case folding") {
  CHECK(mime::normalize_for_search("Hello WORLD") == "hello world");
  CHECK(mime::normalize_for_search("ÀÉÎ ΣΑΣ Привет") == "àéî σασ привет");
  CHECK(mime::text_contains("Meeting AGENDA attached", "agenda"));
  CHECK_FALSE(mime::text_contains("Meeting", "agendas"));
}

TEST_CASE("full-width ASCII and ideographic space fold to ASCII") {
  CHECK(mime::normalize_for_search("ＴＥＳＴ１２３") == "test123");
  CHECK(mime::text_contains("請求書ＮＯ．１２", "no.12"));
  CHECK(mime::normalize_for_search("a\u3000b") == "a b");
}

TEST_CASE("half-width katakana folds to full-width, voiced marks combined") {
  CHECK(mime::normalize_for_search("ｶﾞｲﾄﾞ") == "ガイド");
  CHECK(mime::normalize_for_search("ﾊﾟﾝ") == "パン");
  CHECK(mime::normalize_for_search("ｳﾞ") == "ヴ");
  CHECK(mime::text_contains("ﾃｽﾄﾒｰﾙです", "テストメール"));
}

TEST_CASE("whitespace runs and line breaks match a single space; bad UTF-8 is safe") {
  CHECK(mime::text_contains("hello\r\n   world", "hello world"));
  CHECK(mime::normalize_for_search("a\xff") == "a\xef\xbf\xbd");
  CHECK(mime::text_contains("anything", ""));
}
