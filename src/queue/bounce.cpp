#include "queue/bounce.h"

#include "maildir/delivery.h"

namespace tegami_queue {

maildir::Result<QueueId> queue_dsn(Queue& queue, const Envelope& original, std::string_view message,
                                   std::vector<tegami_dsn::RecipientReport> reports,
                                   const std::string& hostname, std::int64_t now) {
  if (reports.empty() || original.sender.empty() || original.is_dsn)
    return maildir::Status(maildir::Code::kInvalidArgument, "no DSN for this message");
  tegami_dsn::Report r;
  r.reporting_mta = hostname;
  r.sender = original.sender;
  r.envid = original.envid;
  r.ret = original.ret;
  r.arrival = original.arrival;
  r.now = now;
  r.unique = maildir::make_unique_name();
  r.recipients = std::move(reports);
  r.original = message;
  std::string dsn = tegami_dsn::build_dsn(r);
  Envelope e;
  e.arrival = now;
  e.is_dsn = true;
  e.smtputf8 = original.smtputf8;
  Recipient to;
  to.address = original.sender;
  return queue.enqueue(e, {to}, dsn);
}

}  // namespace tegami_queue
