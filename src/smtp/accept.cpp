#include "smtp/accept.h"

#include <time.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "delivery/local_delivery.h"
#include "dkim/domain_signer.h"
#include "dsn/dsn.h"
#include "lists/bounce.h"
#include "lists/ctl.h"
#include "lists/post.h"
#include "log/log.h"
#include "queue/bounce.h"

namespace tegami_smtp {

namespace {

bool temporary(const maildir::Status& s) {
  return tegami_delivery::reply_for(s).code < 500;
}

// The DKIM-Signature field for a message an authenticated user sends to remote recipients;
// "" when it is not to be signed or cannot be (logged: it then goes out unsigned).
std::string dkim_field(const AcceptJob& job, std::int64_t now, std::string& domain) {
  if (job.config == nullptr || job.remotes.empty() || job.envelope.auth_user.empty()) return "";
  auto sig = tegami_dkim::sign_for_domain(*job.config, job.message, job.envelope.auth_user, now);
  if (!sig.ok()) {
    logging::error("dkim: cannot sign mail of " + logging::sanitize(job.envelope.auth_user) + ": " +
                   sig.status().to_string() + " (queued unsigned)");
    return "";
  }
  if (!sig->has_value()) return "";
  domain = (*sig)->domain;
  return std::move((*sig)->field);
}

}  // namespace

AcceptResult accept_message(const AcceptJob& job) {
  AcceptResult out;
  if (!job.list_ctl.empty()) {
    tegami_lists::CtlJob cj;
    cj.config = job.config;
    cj.list_address = job.list_ctl;
    cj.admin = job.envelope.auth_user;
    cj.message = job.message;
    cj.queue = job.queue;
    tegami_lists::CtlResult cr = tegami_lists::run_ctl(cj);
    out.queued = cr.queued;
    if (cr.reply.code != 250) {
      out.reply = cr.reply;
      return out;
    }
    if (job.lists.empty() && job.locals.empty() && job.remotes.empty()) {
      out.reply = Reply{250, "2.0.0", "Ok"};
      return out;
    }
  }
  // Lists first: their temporary failures must fail the transaction before the other
  // recipients get copies they would get again when the client retries.
  std::size_t lists_posted = 0;
  std::vector<tegami_dsn::RecipientReport> list_refused;
  std::optional<Reply> list_refusal;
  for (const std::string& list : job.lists) {
    tegami_lists::PostJob pj;
    pj.config = job.config;
    pj.list_address = list;
    pj.message = job.message;
    pj.received = job.received;
    pj.envelope = job.envelope;
    pj.max_size = job.max_size;
    pj.queue = job.queue;
    pj.hostname = job.hostname;
    tegami_lists::PostResult pr = tegami_lists::post_to_list(pj);
    out.delivered += pr.delivered;
    out.queued.insert(out.queued.end(), pr.queued.begin(), pr.queued.end());
    if (pr.kind == tegami_lists::PostResult::Kind::kPosted) {
      ++lists_posted;
      continue;
    }
    if (pr.kind == tegami_lists::PostResult::Kind::kFailed) {
      out.reply = pr.reply;
      return out;
    }
    if (!list_refusal) list_refusal = pr.reply;
    if (tegami_dsn::dsn_wanted(job.envelope.sender, job.envelope.is_dsn, false, 0,
                               tegami_dsn::Action::kFailed)) {
      tegami_dsn::RecipientReport rr;
      rr.final_recipient = list;
      rr.action = tegami_dsn::Action::kFailed;
      rr.status = pr.reply.enhanced;
      rr.diagnostic = pr.reply.wire().substr(0, pr.reply.wire().size() - 2);
      rr.last_attempt = ::time(nullptr);
      list_refused.push_back(std::move(rr));
    }
  }
  std::vector<tegami_delivery::LocalMailbox> boxes;
  for (const LocalTarget& t : job.locals) boxes.push_back(t.mailbox);
  std::vector<maildir::Status> results =
      tegami_delivery::deliver_local(job.message, job.envelope.sender, job.received, boxes,
                                     job.max_size, job.hostname, job.journal);

  std::vector<tegami_queue::Recipient> queued = job.remotes;
  std::vector<tegami_dsn::RecipientReport> refused = std::move(list_refused);
  std::vector<tegami_dsn::RecipientReport> succeeded;  // NOTIFY=SUCCESS (RFC 3461 §5.2.2)
  const maildir::Status* first_error = nullptr;
  std::int64_t now = ::time(nullptr);
  std::vector<const LocalTarget*> failed_temp;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const maildir::Status& s = results[i];
    const LocalTarget& t = job.locals[i];
    if (s.ok()) {
      ++out.delivered;
      if (tegami_dsn::dsn_wanted(job.envelope.sender, job.envelope.is_dsn, t.has_notify, t.notify,
                                 tegami_dsn::Action::kDelivered)) {
        tegami_dsn::RecipientReport rr;
        rr.final_recipient = t.mailbox.address;
        rr.original_recipient = t.orcpt;
        rr.action = tegami_dsn::Action::kDelivered;
        rr.status = "2.0.0";
        rr.last_attempt = now;
        succeeded.push_back(std::move(rr));
      }
      continue;
    }
    if (first_error == nullptr) first_error = &s;
    if (temporary(s)) {
      failed_temp.push_back(&t);
      continue;
    }
    if (!tegami_dsn::dsn_wanted(job.envelope.sender, job.envelope.is_dsn, t.has_notify, t.notify,
                                tegami_dsn::Action::kFailed))
      continue;
    Reply r = tegami_delivery::reply_for(s);
    tegami_dsn::RecipientReport rr;
    rr.final_recipient = t.mailbox.address;
    rr.original_recipient = t.orcpt;
    rr.action = tegami_dsn::Action::kFailed;
    rr.status = r.enhanced;
    rr.diagnostic = r.wire().substr(0, r.wire().size() - 2);
    rr.last_attempt = now;
    refused.push_back(std::move(rr));
  }
  bool others_ok = out.delivered > 0 || !job.remotes.empty() || lists_posted > 0;
  // Temporary local failures are retried from the queue only when the message is accepted
  // for someone anyway; otherwise the client is told to try again.
  if (others_ok) {
    for (const LocalTarget* t : failed_temp) {
      tegami_queue::Recipient r;
      r.address = t->mailbox.address;
      r.orcpt = t->orcpt;
      r.has_notify = t->has_notify;
      r.notify = t->notify;
      queued.push_back(std::move(r));
    }
  }
  if (!others_ok) {
    // Nobody has it: the first error is the answer (single recipient over quota: 552 5.2.2).
    if (first_error == nullptr && list_refusal) {
      out.reply = *list_refusal;
      return out;
    }
    out.reply =
        tegami_delivery::reply_for(first_error != nullptr ? *first_error : maildir::Status::Ok());
    return out;
  }
  if (!queued.empty()) {
    if (job.queue == nullptr) {
      out.reply = Reply{451, "4.3.0", "Not every recipient could take the message, try again"};
      return out;
    }
    std::string signature = dkim_field(job, now, out.dkim_domain);
    auto id = job.queue->enqueue(
        job.envelope, queued, std::vector<std::string_view>{signature, job.received, job.message});
    if (!id.ok()) {
      out.reply = tegami_delivery::reply_for(id.status());
      if (out.reply.code >= 500) out.reply = Reply{451, "4.3.0", "Queue write failed, try again"};
      return out;
    }
    out.queued.push_back(*id);
  }
  if (!refused.empty()) {
    if (job.queue == nullptr) {
      out.reply = Reply{451, "4.3.0", "Not every recipient could take the message, try again"};
      return out;
    }
    auto id = tegami_queue::queue_dsn(*job.queue, job.envelope, job.received + job.message,
                                      std::move(refused), job.hostname, now);
    if (!id.ok()) {
      // The message is with the others but the sender would never learn about the refused
      // copies: let the sender retry (duplicates rather than silence).
      out.reply = Reply{451, "4.3.0", "Not every recipient could take the message, try again"};
      return out;
    }
    out.queued.push_back(*id);
  }
  if (!succeeded.empty() && job.queue != nullptr) {
    // A success notice that cannot be written is not worth a retry that duplicates the mail.
    auto id = tegami_queue::queue_dsn(*job.queue, job.envelope, job.received + job.message,
                                      std::move(succeeded), job.hostname, now);
    if (id.ok()) out.queued.push_back(*id);
  }
  for (const std::string& list : job.bounce_lists) {
    auto b = tegami_lists::handle_bounce(*job.config, list, job.message, job.queue);
    if (!b.ok()) {
      logging::error("list " + list + ": bounce: " + b.status().to_string());
      continue;
    }
    out.queued.insert(out.queued.end(), b->queued.begin(), b->queued.end());
  }
  out.reply = Reply{250, "2.0.0", "Ok"};
  return out;
}

}  // namespace tegami_smtp
