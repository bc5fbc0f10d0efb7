// Charset conversion to UTF-8 through glibc iconv, with tegami's own ISO-2022-JP decoder that
// accepts Microsoft's extensions (CP50220/50221/50222: NEC and IBM extended rows, half-width
// katakana via ESC ( I or SO/SI) by mapping JIS X 0208 rows to CP932. Thread-safe (each call
// opens its own iconv descriptor).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mime {

// True when `charset` (any case, with common aliases: sjis, x-sjis, shift-jis, cp932,
// windows-31j, euc-jp, iso-2022-jp, iso-8859-N, windows-125N, us-ascii, utf-8 ...) is supported.
bool charset_known(std::string_view charset);

// Converts `bytes` in `charset` to UTF-8. Undecodable sequences become U+FFFD. nullopt when the
// charset is unknown.
std::optional<std::string> to_utf8(std::string_view charset, std::string_view bytes);

// Converts UTF-8 to `charset` (for SEARCH CHARSET in reverse is not needed; this is used by
// tests). nullopt when unknown or not representable.
std::optional<std::string> from_utf8(std::string_view charset, std::string_view utf8);

// True when `s` is valid UTF-8.
bool valid_utf8(std::string_view s);

}  // namespace mime
