#include "lists/post.h"

#include <time.h>

#include <set>

#include "delivery/local_delivery.h"
#include "dsn/dsn.h"
#include "lists/bounce.h"
#include "lists/dmarc.h"
#include "lists/expand.h"
#include "lists/post_headers.h"
#include "lists/serial.h"
#include "log/log.h"
#include "maildir/mailbox.h"
#include "queue/bounce.h"

namespace tegami_lists {

using tegami::config::AddressTarget;
using tegami_smtp::Reply;

std::string list_state_dir(const tegami::config::Config& config,
                           const tegami::config::Domain& domain,
                           const tegami::config::MailingList& list) {
  return config.server.mail_root + "/" + domain.name + "/.lists/" + list.local_part;
}

std::string bounces_address(const tegami::config::Domain& domain,
                            const tegami::config::MailingList& list) {
  return list.local_part + "-bounces@" + domain.name;
}

namespace {

PostResult failed(Reply r) {
  PostResult out;
  out.kind = PostResult::Kind::kFailed;
  out.reply = std::move(r);
  return out;
}

}  // namespace

PostResult post_to_list(const PostJob& job) {
  const tegami::config::Config& config = *job.config;
  AddressTarget t = config.resolve(job.list_address);
  if (t.kind != AddressTarget::Kind::kList)
    return failed(Reply{451, "4.3.0", "List configuration changed, try again"});
  const tegami::config::Domain& domain = *t.domain;
  const tegami::config::MailingList& list = *t.list;
  const std::string address = list_address(domain, list);

  Expansion e = expand_list(config, domain, list);
  for (const std::string& p : e.problems) logging::warning("list " + address + ": " + p);

  std::string from = from_address(job.message);
  // The envelope sender, the From: address or the authenticated account; an alias of an
  // account counts as that account.
  auto allowed = [&](const std::string& a) {
    if (a.empty()) return false;
    if (may_post(list, e, a)) return true;
    AddressTarget at = config.resolve(a);
    return at.kind == AddressTarget::Kind::kAccount &&
           may_post(list, e, at.account->local_part + "@" + at.domain->name);
  };
  if (!allowed(job.envelope.sender) && !allowed(from) && !allowed(job.envelope.auth_user)) {
    PostResult out;
    out.kind = PostResult::Kind::kRefused;
    out.reply = Reply{550, "5.7.1",
                      list.posting == tegami::config::PostingPolicy::kAdmins
                          ? "Only the admins of " + address + " may post to it"
                          : "Only members of " + address + " may post to it"};
    logging::info("list " + address + ": post refused (envelope sender <" + job.envelope.sender +
                  ">, From: <" + from + ">): not allowed by posting policy");
    return out;
  }

  // DMARC: a poster whose domain asks receivers to reject or quarantine mail that fails
  // DMARC would see the list's copies refused (the list changes the message and sends from
  // its own servers): the list's address takes its place in From:.
  bool munge = false;
  if (list.munge_from && from.find('@') != std::string::npos) {
    std::string from_domain = lower_ascii(from.substr(from.rfind('@') + 1));
    std::string p = job.dmarc_policy ? job.dmarc_policy(from_domain)
                                     : dmarc_policy(from_domain, config.outbound.dns_servers);
    munge = p == "reject" || p == "quarantine";
  }

  const std::string state = list_state_dir(config, domain, list);
  auto counter = SerialCounter::lock(state, job.lock_wait);
  if (!counter.ok()) {
    logging::error("list " + address + ": serial counter: " + counter.status().to_string());
    return failed(Reply{451, "4.3.0", "List temporarily unavailable, try again"});
  }
  std::uint64_t serial = counter->last() + 1;
  // Members disabled after repeated bounces (bounce.h) get no posts.
  std::set<std::string> disabled = disabled_members(state);
  if (!disabled.empty()) {
    std::erase_if(e.mailboxes, [&](const auto& m) { return disabled.count(m.address) > 0; });
    std::erase_if(e.external, [&](const std::string& x) { return disabled.count(x) > 0; });
  }
  std::string post = rewrite_post(job.message, domain, list, serial, munge);
  std::vector<tegami_delivery::LocalMailbox> boxes = e.mailboxes;
  if (list.archive) {
    tegami_delivery::LocalMailbox archive;
    archive.address = address;
    archive.maildir = state + "/archive";
    archive.quota_mb = 0;
    boxes.push_back(std::move(archive));
  }
  const std::string bounces = bounces_address(domain, list);
  // The list's own headers may take a message that was just under the limit over it.
  std::uint64_t max_size =
      job.max_size == 0 ? 0
                        : job.max_size + (post.size() - std::min(post.size(), job.message.size()));
  std::vector<maildir::Status> results =
      tegami_delivery::deliver_local(post, bounces, job.received, boxes, max_size, job.hostname);

  PostResult out;
  tegami_queue::Envelope env;
  env.sender = bounces;
  env.arrival = job.envelope.arrival;
  env.smtputf8 = job.envelope.smtputf8;
  env.body = job.envelope.body;
  std::vector<tegami_queue::Recipient> queued;
  auto recipient = [](const std::string& address) {
    tegami_queue::Recipient r;
    r.address = address;
    return r;
  };
  for (const std::string& x : e.external) queued.push_back(recipient(x));
  std::vector<tegami_dsn::RecipientReport> refused;
  std::int64_t now = ::time(nullptr);
  bool archive_failed = false;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const maildir::Status& s = results[i];
    if (s.ok()) {
      ++out.delivered;
      continue;
    }
    Reply r = tegami_delivery::reply_for(s);
    bool is_archive = list.archive && i + 1 == results.size();
    if (is_archive) {
      archive_failed = true;
      logging::error("list " + address + ": archive: " + s.to_string());
      continue;
    }
    if (r.code < 500) {
      queued.push_back(recipient(boxes[i].address));
      continue;
    }
    tegami_dsn::RecipientReport rr;
    rr.final_recipient = boxes[i].address;
    rr.action = tegami_dsn::Action::kFailed;
    rr.status = r.enhanced;
    rr.diagnostic = r.wire().substr(0, r.wire().size() - 2);
    rr.last_attempt = now;
    logging::notice("list " + address + ": post " + std::to_string(serial) + " not delivered to " +
                    boxes[i].address + ": " + rr.diagnostic);
    refused.push_back(std::move(rr));
  }
  if (list.archive && !archive_failed) {
    // The archive's UID is given now, under the serial lock, so IMAP shows the posts in
    // number order (a later sync would order several new files by their names, which do not
    // sort by delivery within one second). The post is durable already: a failure here only
    // leaves the UID to the next reader.
    auto archive = maildir::Mailbox::open(state + "/archive");
    if (!archive.ok()) {
      logging::warning("list " + address + ": archive UID: " + archive.status().to_string());
    }
  }
  if (archive_failed && out.delivered == 0 && queued.empty() && refused.empty())
    return failed(Reply{451, "4.3.0", "List archive not writable, try again"});
  if (!queued.empty()) {
    if (job.queue == nullptr) return failed(Reply{451, "4.3.2", "No mail queue, try again later"});
    auto id = job.queue->enqueue(env, queued, job.received + post);
    if (!id.ok()) {
      logging::error("list " + address + ": queue: " + id.status().to_string());
      return failed(Reply{451, "4.3.0", "Queue write failed, try again"});
    }
    out.queued.push_back(*id);
  }
  if (auto s = counter->commit(serial); !s.ok()) {
    logging::error("list " + address + ": serial counter: " + s.to_string());
    out.kind = PostResult::Kind::kFailed;
    out.reply = Reply{451, "4.3.0", "List counter not writable, try again"};
    return out;
  }
  // Members skipped (over quota, too big): each list admin gets a failure notice.
  if (!refused.empty() && job.queue != nullptr) {
    for (const std::string& admin : list.admins) {
      tegami_queue::Envelope notice = env;
      notice.sender = admin;
      auto id = tegami_queue::queue_dsn(*job.queue, notice, job.received + post, refused,
                                        job.hostname, now);
      if (id.ok()) {
        out.queued.push_back(*id);
      } else {
        logging::error("list " + address + ": notice to " + admin + ": " + id.status().to_string());
      }
    }
  }
  logging::info("list " + address + ": post " + std::to_string(serial) + " from <" +
                job.envelope.sender + ">: " + std::to_string(out.delivered) + " local copies, " +
                std::to_string(queued.size()) + " queued, " + std::to_string(refused.size()) +
                " refused");
  out.kind = PostResult::Kind::kPosted;
  out.serial = serial;
  out.reply = Reply{250, "2.0.0", "Ok"};
  return out;
}

}  // namespace tegami_lists
