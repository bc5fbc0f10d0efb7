#include "delivery/local_delivery.h"

#include <time.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <thread>

#include <sys/stat.h>

#include "delivery/quota_warning.h"
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

namespace {

// A recipient's quota and its warning, kept alive for the duration of one delivery.
struct MailboxQuota {
  std::optional<maildir::Quota> quota;
  std::optional<maildir::QuotaWarning> warning;
};

MailboxQuota mailbox_quota(const LocalMailbox& m, std::uint64_t max_size,
                           std::string_view server_host) {
  MailboxQuota q;
  q.quota = quota_of(m, max_size);
  if (q.quota && m.quota_warning_percent != 0) {
    QuotaWarningText t;
    t.address = m.address;
    t.host = std::string(server_host);
    t.quota_mb = m.quota_mb;
    t.percent = m.quota_warning_percent;
    t.now = ::time(nullptr);
    q.warning = maildir::QuotaWarning{m.quota_warning_percent, quota_warning_message(t)};
  }
  return q;
}

// First mail to an account whose Maildir was never made: makes it (and its domain's
// directory). True when it exists now.
bool make_maildir(const std::string& maildir) {
  std::string parent = maildir.substr(0, maildir.rfind('/'));
  if (!parent.empty()) ::mkdir(parent.c_str(), 0700);
  return maildir::Maildir::create(maildir).ok();
}

// Writes one copy of head + message into the mailbox (tmp/, fsync, rename, fsync new/).
maildir::Result<maildir::Delivered> write_copy(std::string_view head, std::string_view message,
                                               const LocalMailbox& m, const MailboxQuota& q,
                                               std::uint64_t max_size) {
  maildir::DeliveryOptions o;
  // The trace headers we add do not count against the client's SIZE limit.
  o.max_size = max_size == 0 ? 0 : max_size + 4096 + head.size();
  o.quota = q.quota ? &*q.quota : nullptr;
  o.policy = policy_of(m.policy);
  o.quota_warning = q.warning;
  auto writer = maildir::MessageWriter::open(m.maildir, o);
  if (!writer.ok() && writer.status().code() == maildir::Code::kNotFound &&
      make_maildir(m.maildir)) {
    writer = maildir::MessageWriter::open(m.maildir, o);
  }
  if (!writer.ok()) return writer.status();
  maildir::Status s = writer->write(head);
  if (s.ok()) s = writer->write(message);
  if (!s.ok()) return s;
  return writer->commit();
}

// maildir::deliver_links for many targets, in up to kLinkThreads chunks at once: each chunk's
// links are made and its new/ directories fsync'ed by its own thread, so the disk gets those
// directory fsyncs together instead of one after another (50 recipients: 50 fsyncs). Same
// results, in target order. A thread that cannot be started runs its chunk here instead.
constexpr std::size_t kLinkThreads = 8;
constexpr std::size_t kLinksPerThread = 4;  // fewer targets per chunk: not worth a thread

std::vector<maildir::Result<maildir::Delivered>> deliver_links_parallel(
    const maildir::Delivered& source, const std::vector<maildir::LinkTarget>& targets) {
  std::size_t chunks = std::min(kLinkThreads, targets.size() / kLinksPerThread);
  if (chunks <= 1) return maildir::deliver_links(source, targets);
  std::vector<std::vector<maildir::LinkTarget>> parts(chunks);
  for (std::size_t i = 0; i < targets.size(); ++i) parts[i % chunks].push_back(targets[i]);
  std::vector<std::vector<maildir::Result<maildir::Delivered>>> out(chunks);
  std::vector<std::thread> threads;
  for (std::size_t k = 1; k < chunks; ++k) {
    try {
      threads.emplace_back(
          [&source, &parts, &out, k] { out[k] = maildir::deliver_links(source, parts[k]); });
    } catch (const std::system_error&) {
      out[k] = maildir::deliver_links(source, parts[k]);
    }
  }
  out[0] = maildir::deliver_links(source, parts[0]);
  for (std::thread& t : threads) t.join();
  std::vector<maildir::Result<maildir::Delivered>> results;
  results.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i)
    results.push_back(std::move(out[i % chunks][i / chunks]));
  return results;
}

// Larger messages are fsync'ed into the Maildir even with a journal: journaling writes every
// byte twice, and for 100 KB that costs more than the flush it saves (bench_smtp.py:
// 8 sessions x 100 KB, 156/s journaled against 377/s fsync'ed on the development VM).
constexpr std::size_t kJournalMaxMessage = 32 * 1024;

// deliver_local with a journal (see local_delivery.h): convert once, check every quota, name
// the files, commit one journal record, then place the files without fsync.
std::vector<maildir::Status> deliver_journaled(Journal& journal, std::string_view head,
                                               std::string_view message,
                                               const std::vector<LocalMailbox>& mailboxes,
                                               std::uint64_t max_size,
                                               std::string_view server_host) {
  std::vector<maildir::Status> results(mailboxes.size());
  maildir::LineEndConverter conv;
  std::string disk;
  disk.reserve(head.size() + message.size());
  conv.feed(head, disk);
  conv.feed(message, disk);
  conv.finish(disk);
  // The trace headers we add do not count against the client's SIZE limit (as write_copy).
  if (max_size != 0 && conv.vsize() > max_size + 4096 + head.size()) {
    for (auto& r : results) {
      r = maildir::Status(maildir::Code::kLimit, "message exceeds the maximum size of " +
                                                     std::to_string(max_size) + " bytes");
    }
    return results;
  }
  const std::string suffix = maildir::size_suffix(conv.size(), conv.vsize());
  std::vector<MailboxQuota> quotas(mailboxes.size());
  std::vector<maildir::PreparedTarget> prepared;
  std::vector<JournalTarget> named;
  std::vector<std::size_t> index;  // prepared[k] is mailboxes[index[k]]
  for (std::size_t i = 0; i < mailboxes.size(); ++i) {
    const LocalMailbox& m = mailboxes[i];
    struct stat st {};
    if (::stat((m.maildir + "/tmp").c_str(), &st) != 0 && !make_maildir(m.maildir)) {
      results[i] = maildir::Status(maildir::Code::kNotFound, "no maildir " + m.maildir);
      continue;
    }
    quotas[i] = mailbox_quota(m, max_size, server_host);
    if (quotas[i].quota) {
      maildir::Status s = quotas[i].quota->check(disk.size(), policy_of(m.policy));
      if (!s.ok() && s.code() != maildir::Code::kNotFound) {
        results[i] = s;
        continue;
      }
    }
    maildir::PreparedTarget t;
    t.folder_dir = m.maildir;
    t.name = maildir::make_unique_name() + suffix;
    named.push_back(JournalTarget{t.folder_dir, t.name});
    prepared.push_back(std::move(t));
    index.push_back(i);
  }
  if (prepared.empty()) return results;
  // Quotas are pointed to only now: `quotas` no longer moves.
  for (std::size_t k = 0; k < prepared.size(); ++k) {
    MailboxQuota& q = quotas[index[k]];
    prepared[k].quota = q.quota ? &*q.quota : nullptr;
    prepared[k].quota_warning = q.warning;
  }
  auto pending = journal.commit(named, disk);
  if (!pending.ok()) {
    for (std::size_t i : index) results[i] = pending.status();
    return results;
  }
  auto placed = maildir::place_unsynced(disk, conv.vsize(), prepared);
  for (std::size_t k = 0; k < placed.size(); ++k) results[index[k]] = placed[k].status();
  return results;
}

}  // namespace

std::string trace_head(std::string_view sender, std::string_view received,
                       const std::vector<LocalMailbox>& mailboxes) {
  std::string head = "Return-Path: <" + std::string(sender) + ">\r\n";
  if (mailboxes.size() == 1) head += "Delivered-To: " + mailboxes[0].address + "\r\n";
  head += received;
  return head;
}

std::vector<maildir::Status> deliver_local(std::string_view message, std::string_view sender,
                                           std::string_view received,
                                           const std::vector<LocalMailbox>& mailboxes,
                                           std::uint64_t max_size, std::string_view server_host,
                                           Journal* journal) {
  const std::string head = trace_head(sender, received, mailboxes);
  if (journal != nullptr && head.size() + message.size() <= kJournalMaxMessage) {
    return deliver_journaled(*journal, head, message, mailboxes, max_size, server_host);
  }
  std::vector<MailboxQuota> quotas;
  quotas.reserve(mailboxes.size());
  for (const LocalMailbox& m : mailboxes) quotas.push_back(mailbox_quota(m, max_size, server_host));
  std::vector<maildir::Status> results(mailboxes.size());
  // The first mailbox that takes the message gets the one file written...
  std::optional<maildir::Delivered> first;
  size_t i = 0;
  for (; i < mailboxes.size() && !first; ++i) {
    auto d = write_copy(head, message, mailboxes[i], quotas[i], max_size);
    results[i] = d.status();
    if (d.ok()) first = std::move(*d);
  }
  if (!first || i == mailboxes.size()) return results;
  // ...and every other one a hard link to it (a copy where the file system refuses links).
  std::vector<size_t> pending;
  for (size_t j = i; j < mailboxes.size(); ++j) pending.push_back(j);
  // A second round for Maildirs that did not exist yet (first mail to those accounts).
  for (int round = 0; round < 2 && !pending.empty(); ++round) {
    std::vector<maildir::LinkTarget> targets;
    targets.reserve(pending.size());
    for (size_t j : pending) {
      maildir::LinkTarget t;
      t.folder_dir = mailboxes[j].maildir;
      t.quota = quotas[j].quota ? &*quotas[j].quota : nullptr;
      t.policy = policy_of(mailboxes[j].policy);
      t.quota_warning = quotas[j].warning;
      targets.push_back(std::move(t));
    }
    auto linked = deliver_links_parallel(*first, targets);
    std::vector<size_t> missing;
    for (size_t k = 0; k < pending.size(); ++k) {
      results[pending[k]] = linked[k].status();
      if (round == 0 && linked[k].status().code() == maildir::Code::kNotFound &&
          make_maildir(mailboxes[pending[k]].maildir)) {
        missing.push_back(pending[k]);
      }
    }
    pending = std::move(missing);
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
