// The MIME structure of one message: a flat, pre-order list of parts with the byte ranges IMAP
// needs. Produced by mime::Parser (parser.h) in one pass; plain data, copyable, safe to share
// between threads once built.
//
// Offsets and sizes are in the message AS STORED (LF line ends, `lf`), plus the sizes IMAP
// reports, which count every bare LF as CRLF (`crlf`). BODY[section] can therefore be served as
// a byte range of the file with LF→CRLF conversion, and its length agrees with BODYSTRUCTURE.
//
// Tree shape (as Dovecot's message_part): parts[0] is the whole message. A multipart part's
// children are its body parts. A message/rfc822 (or message/global) part has exactly one child:
// the encapsulated message, whose header is the inner message header and whose body is the inner
// body (with its own children if it is multipart). The CRLF before a boundary delimiter belongs
// to the delimiter, not to the part before it (RFC 2046 §5.1.1); a delimiter line's own LF
// belongs to the delimiter too, so a close delimiter directly followed by the outer delimiter
// leaves the inner epilogue empty (as Dovecot counts it). A multipart without any delimiter gets
// one empty text/plain child (as Dovecot shows it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mime {

// ASCII case-insensitive equality.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x + 32);
    if (y >= 'A' && y <= 'Z') y = char(y + 32);
    if (x != y) return false;
  }
  return true;
}

// Byte counts of one region (a header block or a body).
struct Size {
  uint64_t lf = 0;     // bytes as stored
  uint64_t crlf = 0;   // bytes with every bare LF counted as CRLF (IMAP's sizes)
  uint32_t lines = 0;  // line count as IMAP's BODYSTRUCTURE reports it for text/* and message/*
};

// A Content-Type or Content-Disposition parameter, raw as in the header (quotes removed,
// quoted-pairs resolved). RFC 2231 forms keep their names (`filename*0*`); see
// header_decode.h `decode_params` for the merged, decoded view.
struct Param {
  std::string name;   // as written (compare case-insensitively)
  std::string value;  // as written
};

// The header fields ENVELOPE needs, unfolded (CRLF/LF + WSP → the WSP kept), raw (not RFC 2047
// decoded); empty string with the matching has_* flag false when the field is absent. Only the
// first occurrence of each field is kept. Filled for parts[0] and every encapsulated message.
struct EnvelopeFields {
  std::string date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id;
  uint16_t present = 0;  // bit i set when field i (order above) appeared
  static constexpr int kCount = 10;
};

struct Part {
  // Header block: from the first header byte to after the empty line that ends it (included).
  uint64_t header_offset = 0;
  Size header;
  // Body: from after the empty line to before the [CR]LF that precedes the next delimiter (or
  // the end of the enclosing body).
  uint64_t body_offset = 0;
  Size body;

  // Content-Type as written (IMAP renders the case the sender used); defaults "text"/"plain"
  // ("message"/"rfc822" inside multipart/digest). Compare with iequals().
  std::string type = "text";
  std::string subtype = "plain";
  std::vector<Param> params;  // Content-Type parameters
  bool has_content_type = false;
  // Other MIME fields, raw trimmed values; empty when absent.
  std::string encoding;     // Content-Transfer-Encoding as written ("" = absent = 7bit)
  std::string id;           // Content-ID
  std::string description;  // Content-Description
  std::string md5;          // Content-MD5
  std::string disposition;  // Content-Disposition value as written ("" = absent)
  std::vector<Param> disposition_params;
  std::vector<std::string> language;  // Content-Language tags
  std::string location;               // Content-Location (folded whitespace removed)

  // Tree links (indexes into Structure::parts). kNone when absent.
  static constexpr uint32_t kNone = 0xffffffffu;
  uint32_t parent = kNone;
  uint32_t first_child = kNone;
  uint32_t next_sibling = kNone;
  uint32_t depth = 0;             // parts[0] has depth 0
  uint32_t envelope = kNone;      // index into Structure::envelopes for message headers
  bool header_truncated = false;  // a header limit was hit in this part's header

  bool is_multipart() const { return iequals(type, "multipart"); }
  // message/rfc822 or message/global: has one child, the encapsulated message.
  bool is_message() const {
    return iequals(type, "message") && (iequals(subtype, "rfc822") || iequals(subtype, "global"));
  }
};

struct Structure {
  std::vector<Part> parts;  // pre-order; parts[0] = the message
  std::vector<EnvelopeFields> envelopes;
  uint64_t size_lf = 0;    // the whole message, as stored
  uint64_t size_crlf = 0;  // RFC822.SIZE
  // True when a limit (depth, parts, header fields, line length) cut the analysis short; the
  // structure is still consistent (sizes cover every byte), deeper content is treated as
  // opaque body.
  bool limited = false;
};

}  // namespace mime
