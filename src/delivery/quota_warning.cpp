#include "delivery/quota_warning.h"

#include <atomic>

#include "auth/sasl.h"
#include "delivery/local_delivery.h"

namespace tegami_delivery {

namespace {

std::atomic<unsigned long> g_warning_counter{0};

// Base64 in lines of 76 characters (RFC 2045 §6.8), each ended by CRLF.
std::string base64_lines(std::string_view bytes) {
  std::string b64 = tegami_auth::base64_encode(bytes);
  std::string out;
  for (size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

}  // namespace

std::string quota_warning_message(const QuotaWarningText& w) {
  const std::string pct = std::to_string(w.percent);
  const std::string mb = std::to_string(w.quota_mb);
  const std::string boundary = "=_tegami_quota_" + std::to_string(w.now);
  const std::string subject_ja = "メールボックスの容量が" + pct + "%を超えました";
  const std::string id = std::to_string(w.now) + "." +
                         std::to_string(g_warning_counter.fetch_add(1) + 1) + ".quotawarn@" +
                         w.host;
  std::string m;
  m += "From: Mail Delivery System <MAILER-DAEMON@" + w.host + ">\r\n";
  m += "To: <" + w.address + ">\r\n";
  m += "Subject: Warning: your mailbox is over " + pct + "% full\r\n =?UTF-8?B?" +
       tegami_auth::base64_encode(subject_ja) + "?=\r\n";
  m += "Date: " + rfc5322_date(w.now) + "\r\n";
  m += "Message-ID: <" + id + ">\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n";
  m += "\r\nThis is a MIME message in English and Japanese.\r\n";
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=us-ascii\r\nContent-Language: en\r\n"
       "Content-Transfer-Encoding: 7bit\r\n\r\n";
  m += "Your mailbox " + w.address + " is more than " + pct + "% full (its quota is " + mb +
       " MB).\r\n\r\nOnce it is full, new mail will be returned to its senders. Please delete\r\n"
       "messages you no longer need, or empty the Trash folder.\r\n\r\n"
       "This warning is sent at most once a day.\r\n";
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\nContent-Language: ja\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines("メールボックス " + w.address + " の使用量が容量(" + mb + " MB)の" + pct +
                    "%を超えました。\r\n\r\n容量がいっぱいになると、新しいメールは送信者に"
                    "返送されます。\r\n不要なメールを削除するか、ごみ箱を空にしてください。\r\n\r\n"
                    "この警告は1日に1回まで送られます。\r\n");
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace tegami_delivery
