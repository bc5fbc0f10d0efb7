// build_dsn: RFC 3464 structure, RET, ENVID, ORCPT, both languages, no raw control bytes;
// dsn_wanted: RFC 3461 NOTIFY rules and never a DSN for a null sender or a DSN.
#include <doctest/doctest.h>

#include "auth/sasl.h"
#include "dsn/dsn.h"

using namespace tegami_dsn;

namespace {

const std::string kOriginal =
    "From: alice@example.jp\r\nSubject: report\r\nMessage-ID: <m1@example.jp>\r\n\r\nbody line\r\n";

Report failure_report() {
  Report r;
  r.reporting_mta = "mx.example.jp";
  r.sender = "alice@example.jp";
  r.envid = "QQ314159";
  r.arrival = 1764000000;
  r.now = 1764000060;
  r.unique = "1764000060.M1P2Q3.mx";
  RecipientReport rr;
  rr.final_recipient = "bob@example.jp";
  rr.original_recipient = "rfc822;Bob@example.jp";
  rr.status = "5.2.2";
  rr.diagnostic = "552 5.2.2 Mailbox full";
  rr.last_attempt = 1764000001;
  r.recipients.push_back(rr);
  r.original = kOriginal;
  return r;
}

bool contains(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

// The base64 body of the first text/plain part, decoded.
std::string human_part(const std::string& dsn) {
  std::size_t start = dsn.find("Content-Transfer-Encoding: base64\r\n\r\n");
  REQUIRE(start != std::string::npos);
  start += 37;
  std::size_t end = dsn.find("\r\n\r\n--", start);
  std::string b64;
  for (char c : dsn.substr(start, end - start))
    if (c != '\r' && c != '\n') b64 += c;
  auto text = tegami_auth::base64_decode_strict(b64, 1 << 20);
  REQUIRE(text.has_value());
  return *text;
}

}  // namespace

TEST_CASE("failure DSN: multipart/report with delivery-status fields and the full original") {
  std::string d = build_dsn(failure_report());
  CHECK(contains(d, "To: <alice@example.jp>\r\n"));
  CHECK(contains(d, "From: Mail Delivery System <MAILER-DAEMON@mx.example.jp>\r\n"));
  CHECK(contains(d, "Auto-Submitted: auto-replied\r\n"));
  CHECK(contains(d, "Content-Type: multipart/report; report-type=delivery-status;"));
  CHECK(
      contains(d,
               "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.jp\r\n"
               "Original-Envelope-Id: QQ314159\r\nArrival-Date: "));
  CHECK(contains(d,
                 "\r\n\r\nOriginal-Recipient: rfc822; Bob@example.jp\r\n"
                 "Final-Recipient: rfc822; bob@example.jp\r\nAction: failed\r\nStatus: 5.2.2\r\n"
                 "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\nLast-Attempt-Date: "));
  CHECK(contains(d, "Content-Type: message/rfc822\r\n\r\n" + kOriginal));
  CHECK(d.size() >= 2);
  CHECK(d.substr(d.size() - 2) == "\r\n");
  // Every line ends with CRLF, no bare LF, every line under 998 bytes.
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d[i] == '\n') CHECK((i > 0 && d[i - 1] == '\r'));
}

TEST_CASE("the human-readable part is English and Japanese UTF-8, subject encoded") {
  std::string d = build_dsn(failure_report());
  std::string text = human_part(d);
  CHECK(contains(text, "could not be delivered"));
  CHECK(contains(text, "配信できませんでした"));
  CHECK(contains(text, "<bob@example.jp>: 552 5.2.2 Mailbox full"));
  CHECK(contains(d, "Subject: Undelivered Mail Returned to Sender / =?UTF-8?B?"));
  // The header is ASCII.
  std::string header = d.substr(0, d.find("\r\n\r\n"));
  for (char c : header) CHECK(static_cast<unsigned char>(c) < 0x80);
}

TEST_CASE("RET=HDRS returns only the header as text/rfc822-headers") {
  Report r = failure_report();
  r.ret = tegami_smtp::Ret::kHdrs;
  std::string d = build_dsn(r);
  CHECK(contains(d, "Content-Type: text/rfc822-headers\r\n\r\nFrom: alice@example.jp\r\n"));
  CHECK_FALSE(contains(d, "body line"));
}

TEST_CASE("RET unset returns a big original's header only") {
  Report r = failure_report();
  std::string big = "Subject: big\r\n\r\n" + std::string(kMaxReturnedSize, 'x') + "\r\n";
  r.original = big;
  std::string d = build_dsn(r);
  CHECK(contains(d, "text/rfc822-headers"));
  CHECK(d.size() < 10000);
  r.ret = tegami_smtp::Ret::kFull;
  CHECK(build_dsn(r).size() > kMaxReturnedSize);
}

TEST_CASE("delayed DSN has Will-Retry-Until and the delay wording") {
  Report r = failure_report();
  r.recipients[0].action = Action::kDelayed;
  r.recipients[0].status = "4.4.1";
  r.recipients[0].remote_mta = "mx.remote.example";
  r.recipients[0].will_retry_until = 1764432000;
  std::string d = build_dsn(r);
  CHECK(contains(d, "Action: delayed\r\nStatus: 4.4.1\r\nRemote-MTA: dns; mx.remote.example\r\n"));
  CHECK(contains(d, "Will-Retry-Until: "));
  CHECK(contains(human_part(d), "まだ配信されていません"));
}

TEST_CASE("control characters from outside never reach a header raw") {
  Report r = failure_report();
  r.recipients[0].diagnostic = "550 5.1.1 evil\r\nX-Injected: yes";
  r.recipients[0].remote_mta = "mx\r\nX-Also: yes";
  std::string d = build_dsn(r);
  CHECK_FALSE(contains(d, "\r\nX-Injected"));
  CHECK_FALSE(contains(d, "\r\nX-Also"));
}

TEST_CASE("non-ASCII addresses use utf-8 types and global-delivery-status") {
  Report r = failure_report();
  r.recipients[0].final_recipient = "山田@example.jp";
  std::string d = build_dsn(r);
  CHECK(contains(d, "message/global-delivery-status"));
  CHECK(contains(d, "Final-Recipient: utf-8; 山田@example.jp"));
}

TEST_CASE("the boundary never occurs in the original") {
  Report r = failure_report();
  std::string evil = "Subject: x\r\n\r\n--=_tegami_dsn_" + r.unique + "--\r\n";
  r.original = evil;
  std::string d = build_dsn(r);
  CHECK(contains(d, "boundary=\"=_tegami_dsn_" + r.unique + "_\""));
}

TEST_CASE("dsn_wanted follows NOTIFY and never answers a null sender or a DSN") {
  using tegami_smtp::kNotifyDelay;
  using tegami_smtp::kNotifyFailure;
  using tegami_smtp::kNotifySuccess;
  CHECK(dsn_wanted("a@b", false, false, 0, Action::kFailed));
  CHECK(dsn_wanted("a@b", false, false, 0, Action::kDelayed));
  CHECK_FALSE(dsn_wanted("a@b", false, false, 0, Action::kDelivered));
  CHECK_FALSE(dsn_wanted("", false, false, 0, Action::kFailed));
  CHECK_FALSE(dsn_wanted("a@b", true, false, 0, Action::kFailed));
  CHECK_FALSE(dsn_wanted("a@b", false, true, 0, Action::kFailed));  // NEVER
  CHECK(dsn_wanted("a@b", false, true, kNotifySuccess, Action::kDelivered));
  CHECK_FALSE(dsn_wanted("a@b", false, true, kNotifySuccess, Action::kFailed));
  CHECK(dsn_wanted("a@b", false, true, kNotifyFailure | kNotifyDelay, Action::kDelayed));
}

TEST_CASE("status_of_reply") {
  CHECK(status_of_reply("552 5.2.2 Mailbox full") == "5.2.2");
  CHECK(status_of_reply("451 4.7.1 Greylisted") == "4.7.1");
  CHECK(status_of_reply("550 No such user") == "5.0.0");
  CHECK(status_of_reply("421 closing") == "4.0.0");
  CHECK(status_of_reply("550 4.1.1 mismatch") == "5.0.0");
  CHECK(status_of_reply("") == "5.0.0");
}

TEST_CASE("success and delay reports carry the original's header only, whatever RET says") {
  Report r = failure_report();
  r.ret = tegami_smtp::Ret::kFull;
  r.recipients[0].action = Action::kDelivered;
  r.recipients[0].status = "2.0.0";
  r.recipients[0].diagnostic.clear();
  std::string d = build_dsn(r);
  CHECK(contains(d, "Action: delivered\r\nStatus: 2.0.0\r\n"));
  CHECK(contains(d, "Content-Type: text/rfc822-headers\r\n"));
  CHECK_FALSE(contains(d, "body line"));
  CHECK(contains(d, "Subject: Successful Mail Delivery Report / =?UTF-8?B?"));
  CHECK(contains(human_part(d), "配信されました"));
}
