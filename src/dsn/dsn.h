// Delivery Status Notifications: RFC 3464 multipart/report messages, with RFC 3461's NOTIFY,
// RET, ENVID and ORCPT honoured.
//
// build_dsn() returns a complete RFC 5322 message (CRLF line ends) sent with the null sender:
//   From: MAILER-DAEMON@<reporting host>, To: the original sender, Auto-Submitted: auto-replied,
//   Subject in English and Japanese (an RFC 2047 UTF-8 encoded word),
//   multipart/report; report-type=delivery-status with
//     1. text/plain; charset=utf-8, base64: what happened, in English then in Japanese;
//     2. message/delivery-status (RFC 3464 §2.2, 2.3): Reporting-MTA, Original-Envelope-Id,
//        Arrival-Date, then per recipient Original-Recipient, Final-Recipient, Action, Status,
//        Remote-MTA, Diagnostic-Code, Last-Attempt-Date, Will-Retry-Until;
//        message/global-delivery-status (RFC 6533) with utf-8 address types when an address is
//        not ASCII;
//     3. the original: for a failure, message/rfc822 (the whole message) for RET=FULL, or
//        when RET was not given and the message is at most kMaxReturnedSize; otherwise (and
//        always for delay and success reports) text/rfc822-headers, its header only (RFC
//        3462). message/global(-headers) for a message with non-ASCII headers.
// Nothing from outside reaches a header raw: control characters in addresses, ENVID, remote
// replies and host names are replaced by '?'.
// dsn_wanted() is the one place that decides whether a DSN is sent at all. Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/params.h"

namespace tegami_dsn {

// RET not given: the whole message is returned up to this size, only its header above.
inline constexpr std::size_t kMaxReturnedSize = 1024 * 1024;

enum class Action { kFailed, kDelayed, kDelivered, kRelayed, kExpanded };

std::string_view action_name(Action a);

struct RecipientReport {
  std::string final_recipient;     // the address the status is about, "bob@example.jp"
  std::string original_recipient;  // ORCPT as "<type>;<address>", "" = not given
  Action action = Action::kFailed;
  std::string status;                 // RFC 3463 code, "5.2.2"
  std::string remote_mta;             // host that answered, "" = none (local delivery)
  std::string diagnostic;             // the SMTP reply, "552 5.2.2 Mailbox full", "" = none
  std::int64_t last_attempt = 0;      // unix seconds, 0 = omit
  std::int64_t will_retry_until = 0;  // kDelayed only, 0 = omit
};

struct Report {
  std::string reporting_mta;  // this server's host name
  std::string sender;         // the original envelope sender: the DSN goes to it
  std::optional<std::string> envid;
  tegami_smtp::Ret ret = tegami_smtp::Ret::kUnset;
  std::int64_t arrival = 0;                 // when the original arrived (unix seconds)
  std::int64_t now = 0;                     // Date of the DSN
  std::string unique;                       // unique token for Message-ID and the MIME boundary
  std::vector<RecipientReport> recipients;  // REQUIRES: not empty
  std::string_view original;                // the original message (CRLF)
};

std::string build_dsn(const Report& report);

// Whether a DSN of kind `action` is sent for a recipient (RFC 3461 §4.1, §6.1): never for a
// null sender or for a DSN (`is_dsn`); NOTIFY=NEVER never; with NOTIFY given only for the
// kinds it names (SUCCESS covers delivered/relayed/expanded); without NOTIFY, failures and
// delays only.
bool dsn_wanted(std::string_view sender, bool is_dsn, bool has_notify, unsigned notify,
                Action action);

// The RFC 3463 code inside an SMTP reply line ("552 5.2.2 Mailbox full" → "5.2.2"), or a
// generic one from the reply code ("5.0.0" / "4.0.0") when it has none.
std::string status_of_reply(std::string_view reply);

}  // namespace tegami_dsn
