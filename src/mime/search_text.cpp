#include "mime/search_text.h"

#include <locale.h>
#include <wctype.h>

namespace mime {

namespace {

// Decodes one code point at s[i]; invalid bytes give U+FFFD and advance by one.
char32_t next_cp(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (d & 0x3F);
  }
  i += n;
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0xFFFD;
  return cp;
}

// Appends the UTF-8 form of `cp` at `p` (room for 4 bytes REQUIRED); returns the new end.
char* put_cp(char* p, char32_t cp) {
  if (cp < 0x80) {
    *p++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *p++ = static_cast<char>(0xC0 | (cp >> 6));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *p++ = static_cast<char>(0xE0 | (cp >> 12));
    *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *p++ = static_cast<char>(0xF0 | (cp >> 18));
    *p++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return p;
}

// Half-width katakana U+FF61..U+FF9F → full-width (JIS X 0201 order).
constexpr char16_t kHalfToFull[] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C};

bool takes_dakuten(char32_t k) {
  return (k >= 0x30AB && k <= 0x30C1 && k % 2 == 1) || k == 0x30C4 || k == 0x30C6 || k == 0x30C8 ||
         (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0) || k == 0x30A6;
}

locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return loc;
}

}  // namespace

std::string normalize_for_search(std::string_view utf8) {
  // Every code point becomes at most 4 bytes from at least 1: 4x the input always fits.
  std::string out(utf8.size() * 4 + 4, '\0');
  char* const base = out.data();
  char* p = base;
  locale_t loc = utf8_locale();
  bool space = false;
  size_t i = 0;
  char32_t prev_kana = 0;  // last full-width katakana emitted from a half-width one
  char* prev_pos = base;
  while (i < utf8.size()) {
    unsigned char b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {  // ASCII fast path
      ++i;
      prev_kana = 0;
      if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
        if (!space) *p++ = ' ';
        space = true;
        continue;
      }
      space = false;
      if (b >= 'A' && b <= 'Z') b = static_cast<unsigned char>(b + 32);
      prev_pos = p;
      *p++ = static_cast<char>(b);
      continue;
    }
    char32_t cp = next_cp(utf8, i);
    if (cp == 0xFF9E || cp == 0xFF9F) {  // half-width voiced marks combine with the previous
      if (prev_kana != 0) {
        char32_t combined = 0;
        if (cp == 0xFF9E && takes_dakuten(prev_kana)) {
          combined = prev_kana == 0x30A6 ? 0x30F4 : prev_kana + 1;
        } else if (cp == 0xFF9F && prev_kana >= 0x30CF && prev_kana <= 0x30DB &&
                   (prev_kana - 0x30CF) % 3 == 0) {
          combined = prev_kana + 2;
        }
        if (combined) {
          p = put_cp(prev_pos, combined);
          prev_kana = 0;
          continue;
        }
      }
      cp = cp == 0xFF9E ? 0x309B : 0x309C;
    }
    prev_kana = 0;
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      cp -= 0xFEE0;
    } else if (cp >= 0xFF61 && cp <= 0xFF9D) {
      cp = kHalfToFull[cp - 0xFF61];
      prev_kana = cp;
    }
    if (cp == 0x3000 || cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0xA0) {
      if (!space) *p++ = ' ';
      space = true;
      continue;
    }
    space = false;
    if (cp < 0x80) {
      if (cp >= 'A' && cp <= 'Z') cp += 32;
    } else if (loc != static_cast<locale_t>(0)) {
      cp = static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc));
    }
    prev_pos = p;
    p = put_cp(p, cp);
  }
  out.resize(static_cast<size_t>(p - base));
  return out;
}

bool text_contains(std::string_view text, std::string_view key) {
  std::string k = normalize_for_search(key);
  if (k.empty()) return true;
  return normalize_for_search(text).find(k) != std::string::npos;
}

}  // namespace mime
