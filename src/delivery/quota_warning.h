// The quota warning that local delivery puts into a user's INBOX when a delivery takes the
// mailbox past the plan's quota_warning percentage (Courier's quotawarn; the storage library's
// maildir::QuotaWarning decides when: at most once per 24 hours, remembered in
// <Maildir>/quotawarn).
//
// quota_warning_message() builds the message: From "Mail Delivery System
// <MAILER-DAEMON@<host>>", To the user, a Subject in English and (RFC 2047, UTF-8) Japanese,
// Date, Message-ID, Auto-Submitted: auto-generated (RFC 3834: nobody answers it), and a
// multipart/mixed body with two text/plain parts: English (Content-Language: en, 7bit) and
// Japanese (Content-Language: ja, UTF-8, base64). Line ends are CRLF. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tegami_delivery {

struct QuotaWarningText {
  std::string address;  // the user, "alice@example.com"
  std::string host;     // this server's hostname
  std::uint64_t quota_mb = 0;
  unsigned percent = 90;  // the configured threshold
  std::int64_t now = 0;   // seconds since the epoch (Date, Message-ID)
};

std::string quota_warning_message(const QuotaWarningText& w);

}  // namespace tegami_delivery
