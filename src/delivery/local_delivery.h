// Local delivery of one received message into recipients' Maildirs (DESIGN.md principle 2).
//
// deliver_local() writes the trace headers (trace_head) in front of the message through
// maildir::MessageWriter — tmp/, fsync, rename into new/, fsync new/ — into the first mailbox
// that takes it, and hard-links that one file into every further recipient's new/
// (maildir::deliver_links: one copy on disk, each quota charged the full size; a copy where
// links are impossible, e.g. another file system). Each result is OK only once that mailbox's
// entry is durable.
//
// Header policy (as Dovecot LMTP and Postfix's virtual agent with several recipients): with
// ONE mailbox the file starts "Return-Path: <sender>", "Delivered-To: <address>" and the
// Received header (which then says "for <address>"); with SEVERAL, one file serves them all,
// so it carries no per-recipient header: Return-Path and a Received without "for" (which
// would also tell each recipient who else got it). Loop detection does not depend on
// Delivered-To: every copy carries our Received header, and the session refuses a message
// with more than 50 of them (554 5.4.6).
//
// Quotas: each mailbox's quota is checked under its plan's policy and charged to its
// maildirsize; when the delivery takes it past the plan's quota_warning percentage, a warning
// (quota_warning.h) goes into its INBOX at most once per 24 h.
// Results come back in the order of `mailboxes`: OK, kOverQuota (answer 552 5.2.2), kLimit
// (message over max_size: 552 5.3.4), kNoSpace/kIo (temporary: 452/451).
//
// With a `journal` (config server.delivery_sync: journal, the default) and a message of at
// most 32 KB with its trace headers (larger ones are fsync'ed as without one) nothing is
// fsync'ed here: the file's bytes and final names go into one journal record first (journal.h:
// group commit, one fdatasync shared by the deliveries running at the same time), then the files
// are written and linked (maildir::place_unsynced). Quota checks, maildirsize lines, warnings,
// links and headers are the same in both modes.
//
// Blocking (fsync): run it on a worker thread (Connection::run_blocking).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/journal.h"
#include "delivery/recipient.h"
#include "maildir/status.h"
#include "smtp/reply.h"

namespace tegami_delivery {

struct TraceInfo {
  std::string helo;      // the client's EHLO/HELO argument (already validated)
  std::string peer_ip;   // "192.0.2.1" / "2001:db8::1"
  std::string by_host;   // this server's hostname
  std::string protocol;  // "ESMTP", "ESMTPS", "ESMTPSA" (RFC 3848)
  std::string id;        // session/transaction id
  std::string tls;       // "TLSv1.3" or ""
};

// "Received: from <helo> ([<ip>])\r\n\tby <host> (tegami) with <proto> id <id>;\r\n\t<date>\r\n"
// (RFC 5321 §4.4); `for_address` adds "for <addr>" (single recipient only: never leak the
// others). `now` is seconds since the epoch.
std::string received_header(const TraceInfo& trace, std::string_view for_address, std::int64_t now);

// An RFC 5322 date-time in UTC, e.g. "Wed, 25 Nov 2026 11:22:33 +0000".
std::string rfc5322_date(std::int64_t now);

// The headers put in front of the message (see the top of this file), CRLF line ends.
std::string trace_head(std::string_view sender, std::string_view received,
                       const std::vector<LocalMailbox>& mailboxes);

// Results per mailbox, in order. `message` is the received message with CRLF line ends.
// `server_host` signs quota warnings (MAILER-DAEMON@<server_host>).
std::vector<maildir::Status> deliver_local(std::string_view message, std::string_view sender,
                                           std::string_view received,
                                           const std::vector<LocalMailbox>& mailboxes,
                                           std::uint64_t max_size,
                                           std::string_view server_host = "localhost",
                                           Journal* journal = nullptr);

// Whether `mailbox` can take any mail now: kOverQuota when already at or over quota (RCPT
// time: 552 5.2.2). Blocking (reads maildirsize).
maildir::Status check_mailbox_open(const LocalMailbox& mailbox, std::uint64_t max_size);

// The one mapping of a delivery Status to the SMTP reply.
tegami_smtp::Reply reply_for(const maildir::Status& status);

}  // namespace tegami_delivery
