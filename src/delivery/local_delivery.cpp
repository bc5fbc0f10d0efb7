#include "delivery/local_delivery.h"

#include <time.h>

#include <optional>

#include <sys/stat.h>

#include "maildir/delivery.h"
#include "maildir/maildir.h"
#include "maildir/quota.h"

namespace tegami_delivery {

namespace {

maildir::QuotaPolicy policy_of(tegami::config::QuotaPolicy p) {
  return p == tegami::config::QuotaPolicy::kStrict ? maildir::QuotaPolicy::kStrict
                                                   : maildir::QuotaPolicy::kOvershoot;
}

std::optional<maildir::Quota> quota_of(const LocalMailbox& m, std::uint64_t max_size) {
  if (m.quota_mb == 0) return std::nullopt;
  maildir::QuotaOptions o;
  o.limit = maildir::QuotaLimit::megabytes(m.quota_mb);
  o.grace_bytes = max_size != 0 ? max_size : maildir::kDefaultMaxMessageSize;
  return maildir::Quota(m.maildir, o);
}

}  // namespace

std::string rfc5322_date(std::int64_t now) {
  time_t t = static_cast<time_t>(now);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string received_header(const TraceInfo& trace, std::string_view for_address,
                            std::int64_t now) {
  std::string h = "Received: from " + trace.helo + " ([" + trace.peer_ip + "])\r\n\tby " +
                  trace.by_host + " (tegami) with " + trace.protocol;
  if (!trace.tls.empty()) h += " (" + trace.tls + ")";
  h += " id " + trace.id;
  if (!for_address.empty()) {
    h += "\r\n\tfor <";
    h += for_address;
    h += ">";
  }
  h += ";\r\n\t" + rfc5322_date(now) + "\r\n";
  return h;
}

maildir::Status check_mailbox_open(const LocalMailbox& mailbox, std::uint64_t max_size) {
  auto q = quota_of(mailbox, max_size);
  if (!q) return maildir::Status::Ok();
  // A one-byte message passes under either policy exactly when the mailbox is under quota.
  maildir::Status s = q->check(1, maildir::QuotaPolicy::kOvershoot);
  if (s.code() == maildir::Code::kNotFound) return maildir::Status::Ok();  // created at delivery
  return s;
}

std::vector<maildir::Status> deliver_local(std::string_view message, std::string_view sender,
                                           std::string_view received,
                                           const std::vector<LocalMailbox>& mailboxes,
                                           std::uint64_t max_size) {
  std::vector<maildir::Status> results;
  for (const LocalMailbox& m : mailboxes) {
    auto quota = quota_of(m, max_size);
    maildir::DeliveryOptions o;
    // The trace headers we add do not count against the client's SIZE limit.
    o.max_size = max_size == 0 ? 0 : max_size + 4096 + received.size();
    o.quota = quota ? &*quota : nullptr;
    o.policy = policy_of(m.policy);
    auto writer = maildir::MessageWriter::open(m.maildir, o);
    if (!writer.ok() && writer.status().code() == maildir::Code::kNotFound) {
      // First mail to an account whose Maildir was never made: make it (and its domain's
      // directory) and try once more.
      std::string parent = m.maildir.substr(0, m.maildir.rfind('/'));
      if (!parent.empty()) ::mkdir(parent.c_str(), 0700);
      auto made = maildir::Maildir::create(m.maildir);
      if (made.ok()) writer = maildir::MessageWriter::open(m.maildir, o);
    }
    if (!writer.ok()) {
      results.push_back(writer.status());
      continue;
    }
    std::string head = "Return-Path: <" + std::string(sender) + ">\r\nDelivered-To: " + m.address +
                       "\r\n" + std::string(received);
    maildir::Status s = writer->write(head);
    if (s.ok()) s = writer->write(message);
    if (s.ok()) {
      auto done = writer->commit();
      s = done.status();
    }
    results.push_back(s);
  }
  return results;
}

tegami_smtp::Reply reply_for(const maildir::Status& status) {
  using maildir::Code;
  switch (status.code()) {
    case Code::kOk:
      return {250, "2.0.0", "Ok"};
    case Code::kOverQuota:
      return {552, "5.2.2", "Mailbox full"};
    case Code::kLimit:
      return {552, "5.3.4", "Message too big"};
    case Code::kNoSpace:
      return {452, "4.3.1", "Insufficient system storage"};
    default:
      return {451, "4.3.0", "Local delivery failed, try again later"};
  }
}

}  // namespace tegami_delivery
