// ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2 esmtp-param; RFC 1870 SIZE, RFC 6152
// BODY, RFC 6531 SMTPUTF8, RFC 3461 RET/ENVID/NOTIFY/ORCPT, RFC 4954 AUTH=) and xtext.
//
// Parsing is strict: keywords are case-insensitive, a parameter appears at most once
// (501 5.5.4), an unknown keyword is 555 5.5.4, a bad value is 501 5.5.4. xtext is decoded and
// the decoded value must be printable (no CR, LF, NUL or other controls: 501 5.5.4), so nothing
// raw from a parameter ever reaches a header, a log line or a file name. Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "smtp/reply.h"

namespace tegami_smtp {

enum class Body { kUnset, k7Bit, k8BitMime };
enum class Ret { kUnset, kFull, kHdrs };

struct MailParams {
  std::optional<std::uint64_t> size;  // SIZE=
  Body body = Body::kUnset;           // BODY=
  bool smtputf8 = false;              // SMTPUTF8
  Ret ret = Ret::kUnset;              // RET=
  std::optional<std::string> envid;   // ENVID= (decoded xtext, at most 100 characters)
  std::optional<std::string> auth;    // AUTH= (decoded xtext; "<>" for none)
};

// NOTIFY bits; notify == 0 with has_notify means NEVER.
enum NotifyBits : unsigned { kNotifySuccess = 1, kNotifyFailure = 2, kNotifyDelay = 4 };

struct RcptParams {
  bool has_notify = false;
  unsigned notify = 0;
  std::optional<std::string> orcpt_type;     // "rfc822", "utf-8" (lower-cased)
  std::optional<std::string> orcpt_address;  // decoded xtext
};

// `s` is everything after the path: "" or " KEY[=VALUE] KEY..." (each parameter after one or
// more spaces).
std::variant<MailParams, Reply> parse_mail_params(std::string_view s);
std::variant<RcptParams, Reply> parse_rcpt_params(std::string_view s);

// RFC 3461 §4: xtext = *( xchar / hexchar ); xchar = "!".."~" except "+" and "=";
// hexchar = "+" 2HEXDIG. Returns the decoded bytes, or nullopt for bad syntax.
std::optional<std::string> decode_xtext(std::string_view s);
// Encodes printable ASCII except '+' and '=' as itself, everything else as "+XX".
std::string encode_xtext(std::string_view s);

}  // namespace tegami_smtp
