#include "dsn/dsn.h"

#include <algorithm>

#include "auth/sasl.h"
#include "delivery/local_delivery.h"

namespace tegami_dsn {

namespace {

// Anything from outside becomes one safe header line: controls (and DEL) → '?'.
std::string clean(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

bool ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// "rfc822;a@b" for ASCII, "utf-8;..." (RFC 6533) otherwise.
std::string typed_address(std::string_view addr) {
  return (ascii(addr) ? "rfc822; " : "utf-8; ") + clean(addr);
}

// Base64 in lines of 76 characters (RFC 2045 §6.8).
std::string base64_lines(std::string_view bytes) {
  std::string b64 = tegami_auth::base64_encode(bytes);
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += 76) {
    out += b64.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

// The header block of a message (up to and including the empty line, or all of it).
std::string_view header_of(std::string_view msg) {
  if (msg.rfind("\r\n", 0) == 0) return msg.substr(0, 2);
  std::size_t end = msg.find("\r\n\r\n");
  return end == std::string_view::npos ? msg : msg.substr(0, end + 4);
}

struct Wording {
  const char* subject_en;
  const char* subject_ja;
  const char* intro_en;
  const char* intro_ja;
};

Wording wording_for(Action a) {
  switch (a) {
    case Action::kFailed:
      return {"Undelivered Mail Returned to Sender", "配信できなかったメールのお知らせ",
              "Your message could not be delivered to the following recipients.\r\n"
              "This is a permanent error; the server will not try again.",
              "お送りいただいたメールは、次の宛先に配信できませんでした。\r\n"
              "恒久的なエラーのため、再送は行いません。"};
    case Action::kDelayed:
      return {"Delayed Mail (still being retried)", "配信が遅れているメールのお知らせ",
              "Your message has not been delivered to the following recipients yet.\r\n"
              "The server will keep trying; you do not need to send it again.",
              "お送りいただいたメールは、次の宛先にまだ配信されていません。\r\n"
              "サーバーが配信を続けますので、再送の必要はありません。"};
    case Action::kRelayed:
      return {"Relayed Mail Delivery Report", "メール中継のお知らせ",
              "Your message was handed to the following recipients' mail servers.\r\n"
              "Those servers do not send delivery reports, so this is the last report you\r\n"
              "will get about it.",
              "お送りいただいたメールは、次の宛先のメールサーバーに引き渡されました。\r\n"
              "引き渡し先のサーバーは配信通知に対応していないため、これが最後のお知らせです。"};
    default:
      return {"Successful Mail Delivery Report", "メール配信完了のお知らせ",
              "Your message was delivered to the following recipients.",
              "お送りいただいたメールは、次の宛先に配信されました。"};
  }
}

// RFC 2047 encoded word (UTF-8, base64) for a Subject value.
std::string encoded_word(std::string_view utf8) {
  return "=?UTF-8?B?" + tegami_auth::base64_encode(utf8) + "?=";
}

std::string human_text(const Report& r, const Wording& w) {
  std::string t = w.intro_en;
  t += "\r\n\r\n";
  for (const RecipientReport& rr : r.recipients) {
    t += "  <" + clean(rr.final_recipient) + ">";
    if (!rr.diagnostic.empty()) t += ": " + clean(rr.diagnostic);
    if (!rr.remote_mta.empty()) t += " (from " + clean(rr.remote_mta) + ")";
    t += "\r\n";
  }
  t += "\r\n";
  t += w.intro_ja;
  t += "\r\n\r\n";
  for (const RecipientReport& rr : r.recipients) {
    t += "  <" + clean(rr.final_recipient) + ">";
    if (!rr.diagnostic.empty()) t += ": " + clean(rr.diagnostic);
    t += "\r\n";
  }
  t += "\r\n-- \r\n" + clean(r.reporting_mta) + " (tegami)\r\n";
  return t;
}

std::string delivery_status(const Report& r) {
  std::string s = "Reporting-MTA: dns; " + clean(r.reporting_mta) + "\r\n";
  if (r.envid) s += "Original-Envelope-Id: " + tegami_smtp::encode_xtext(*r.envid) + "\r\n";
  if (r.arrival != 0) s += "Arrival-Date: " + tegami_delivery::rfc5322_date(r.arrival) + "\r\n";
  for (const RecipientReport& rr : r.recipients) {
    s += "\r\n";
    if (!rr.original_recipient.empty()) {
      std::string o = clean(rr.original_recipient);
      std::size_t semi = o.find(';');
      if (semi != std::string::npos) o = o.substr(0, semi) + "; " + o.substr(semi + 1);
      s += "Original-Recipient: " + o + "\r\n";
    }
    s += "Final-Recipient: " + typed_address(rr.final_recipient) + "\r\n";
    s += "Action: " + std::string(action_name(rr.action)) + "\r\n";
    s += "Status: " + clean(rr.status) + "\r\n";
    if (!rr.remote_mta.empty()) s += "Remote-MTA: dns; " + clean(rr.remote_mta) + "\r\n";
    if (!rr.diagnostic.empty()) s += "Diagnostic-Code: smtp; " + clean(rr.diagnostic) + "\r\n";
    if (rr.last_attempt != 0)
      s += "Last-Attempt-Date: " + tegami_delivery::rfc5322_date(rr.last_attempt) + "\r\n";
    if (rr.action == Action::kDelayed && rr.will_retry_until != 0)
      s += "Will-Retry-Until: " + tegami_delivery::rfc5322_date(rr.will_retry_until) + "\r\n";
  }
  return s;
}

}  // namespace

std::string_view action_name(Action a) {
  switch (a) {
    case Action::kFailed:
      return "failed";
    case Action::kDelayed:
      return "delayed";
    case Action::kDelivered:
      return "delivered";
    case Action::kRelayed:
      return "relayed";
    case Action::kExpanded:
      return "expanded";
  }
  return "failed";
}

bool dsn_wanted(std::string_view sender, bool is_dsn, bool has_notify, unsigned notify,
                Action action) {
  if (sender.empty() || is_dsn) return false;
  unsigned bit = action == Action::kFailed    ? unsigned{tegami_smtp::kNotifyFailure}
                 : action == Action::kDelayed ? unsigned{tegami_smtp::kNotifyDelay}
                                              : unsigned{tegami_smtp::kNotifySuccess};
  if (!has_notify) return bit != tegami_smtp::kNotifySuccess;
  return (notify & bit) != 0;
}

std::string status_of_reply(std::string_view reply) {
  // "<code> <class>.<subject>.<detail> ..."
  if (reply.size() >= 9 && reply[3] == ' ') {
    std::string_view rest = reply.substr(4);
    std::size_t end = rest.find(' ');
    std::string_view code = rest.substr(0, end);
    int dots = 0;
    bool ok =
        !code.empty() && (code[0] == '2' || code[0] == '4' || code[0] == '5') && code.size() <= 11;
    for (char c : code) {
      if (c == '.') {
        ++dots;
      } else if (c < '0' || c > '9') {
        ok = false;
      }
    }
    if (ok && dots == 2 && code[0] == reply[0]) return std::string(code);
  }
  return !reply.empty() && reply[0] == '4' ? "4.0.0" : "5.0.0";
}

std::string build_dsn(const Report& r) {
  Action kind = r.recipients.empty() ? Action::kFailed : r.recipients.front().action;
  Wording w = wording_for(kind);
  bool global =
      !ascii(r.sender) ||
      std::any_of(r.recipients.begin(), r.recipients.end(), [](const RecipientReport& rr) {
        return !ascii(rr.final_recipient) || !ascii(rr.original_recipient);
      });
  const std::string host = clean(r.reporting_mta);
  std::string boundary = "=_tegami_dsn_" + clean(r.unique);
  while (r.original.find(boundary) != std::string_view::npos) boundary += "_";
  std::string m;
  m += "From: Mail Delivery System <MAILER-DAEMON@" + host + ">\r\n";
  m += "To: <" + clean(r.sender) + ">\r\n";
  m += "Subject: " + std::string(w.subject_en) + " / " + encoded_word(w.subject_ja) + "\r\n";
  m += "Date: " + tegami_delivery::rfc5322_date(r.now) + "\r\n";
  m += "Message-ID: <" + clean(r.unique) + "@" + host + ">\r\n";
  m += "Auto-Submitted: auto-replied\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary +
       "\"\r\n\r\n";
  m += "This is a MIME-formatted delivery status notification.\r\n\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(human_text(r, w));
  m += "\r\n--" + boundary + "\r\n";
  m += global ? "Content-Type: message/global-delivery-status\r\n\r\n"
              : "Content-Type: message/delivery-status\r\n\r\n";
  m += delivery_status(r);
  m += "\r\n--" + boundary + "\r\n";
  // RET is about failure DSNs (RFC 3461 §4.3); delay and success reports carry the header.
  bool full = kind == Action::kFailed &&
              (r.ret == tegami_smtp::Ret::kFull ||
               (r.ret == tegami_smtp::Ret::kUnset && r.original.size() <= kMaxReturnedSize));
  std::string_view part = full ? r.original : header_of(r.original);
  bool global_original = !ascii(header_of(r.original));
  if (full) {
    m += global_original ? "Content-Type: message/global\r\n" : "Content-Type: message/rfc822\r\n";
    // 8-bit content must be declared as such (RFC 2045 §6.4: no encoding of message/*).
    if (!ascii(part)) m += "Content-Transfer-Encoding: 8bit\r\n";
  } else {
    m += global_original ? "Content-Type: message/global-headers\r\n"
                         : "Content-Type: text/rfc822-headers\r\n";
    if (!ascii(part)) m += "Content-Transfer-Encoding: 8bit\r\n";
  }
  m += "\r\n";
  m += part;
  if (part.size() < 2 || part.substr(part.size() - 2) != "\r\n") m += "\r\n";
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace tegami_dsn
