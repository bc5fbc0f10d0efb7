// Subject tags with serial numbers, fml style: "[sales:00042] Re: the topic". Pure; any thread.
//
// The tag is applied to the *decoded* subject (RFC 2047 words decoded to UTF-8): existing tags
// of the same list (anywhere among the leading prefixes) are removed, stacked reply prefixes
// ("Re: Re:", "RE:", "Re[2]:", "Re^2:", "返信:", full-width "Ｒｅ：", in any mix) collapse into one
// "Re:", and the result is written back in the charset the subject came in: RFC 2047 "B" words
// in the charset of its first encoded word (ISO-2022-JP stays ISO-2022-JP; each word a whole
// conversion that ends in ASCII), raw UTF-8 when it was raw UTF-8 (RFC 6532), plain ASCII when
// everything is ASCII. Text the original charset cannot represent (a UTF-8 tag on an ISO-2022-JP
// subject) falls back to UTF-8 words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tegami_lists {

// Expands a subject format: %t the tag, %n the serial (printf-style flags and width between
// % and n: %05n → 00042, %5n → "   42"), %% a percent sign; anything else is literal.
std::string format_tag(std::string_view format, std::string_view tag, std::uint64_t serial);

// Length of a tag of this list (format with any number in place of %n) at the start of `text`,
// or 0. The tag text compares case-insensitively (ASCII).
std::size_t match_tag(std::string_view text, std::string_view format, std::string_view tag);

struct StrippedSubject {
  bool reply = false;  // at least one reply prefix was removed
  std::string rest;    // the subject without leading tags/reply prefixes/blank space
};
// Removes every leading tag of this list and reply prefix (UTF-8 text).
StrippedSubject strip_subject(std::string_view decoded, std::string_view format,
                              std::string_view tag);

// The new Subject value for a post: `raw_value` is the received Subject's value (unfolded; ""
// when there was none), `tag_text` the expanded tag (format_tag). Returns the raw value to
// write after "Subject: ", folded with CRLF SP where it holds encoded words, without final CRLF.
std::string tag_subject(std::string_view raw_value, std::string_view format, std::string_view tag,
                        std::string_view tag_text);

// RFC 2047 "B" encoded words of `utf8` converted to `charset` (falls back to UTF-8 when the
// text is not representable), each at most 75 characters, joined by CRLF SP.
std::string encode_words(std::string_view utf8, std::string_view charset);

}  // namespace tegami_lists
