// Executing the commands of a mail to `<list>-ctl@domain` (ctl_parse.h) for a list admin, and
// the reply mail. Blocking (config edits, the queue): worker thread.
//
// Who may: only a session authenticated with SMTP AUTH as an account that is an admin of the
// list — the session refuses the RCPT otherwise (550 5.7.1), and run_ctl() checks again
// against the current configuration; the From: header is never looked at, so a forged From:
// can do nothing. Each command is one atomic edit of the domain file (config/edit.h) under its
// lock, so a hand edit made meanwhile is kept; tegamid picks the change up by its config
// reload. Every mail gets a reply mail to the admin (from <list>-ctl@domain, null envelope
// sender, Auto-Submitted: auto-replied) that quotes each command and says what was done.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "queue/queue.h"
#include "smtp/reply.h"

namespace tegami_lists {

struct CtlJob {
  std::shared_ptr<const tegami::config::Config> config;
  std::string list_address;  // "sales@example.com"
  std::string admin;         // the authenticated account, "alice@example.com"
  std::string_view message;  // the received mail (CRLF)
  tegami_queue::Queue* queue = nullptr;
};

struct CtlResult {
  tegami_smtp::Reply reply;                   // 250 when the reply mail is queued
  std::vector<tegami_queue::QueueId> queued;  // the reply mail's entry
  std::string report;                         // the reply mail's text body
};

CtlResult run_ctl(const CtlJob& job);

}  // namespace tegami_lists
