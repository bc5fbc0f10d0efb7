// The SMTP (port 25) and Submission (587/465) session: a net::Handler over the pure parser
// (line_reader.h, command.h, data_reader.h), recipient resolution and local delivery.
//
// State: kGreeting (the pregreet wait: any input is an early talker, 554 and close), kCommand
// (reading command lines), kData (reading the message after 354), kBusy (a
// blocking step — quota check at RCPT, delivery after DATA — runs on a worker thread; input is
// paused and the rest of a pipelined group is answered afterwards, in order).
// Replies: every refusal is the parser's or the resolver's Reply; delivery results go through
// tegami_delivery::reply_for. A 250 after DATA is sent only when every recipient's copy is
// durable.
// Port 25 never relays: a recipient outside the configured domains is 554 5.7.1. On
// Submission, MAIL needs AUTH PLAIN/LOGIN first (530 5.7.0; the login goes through
// login::LoginService), MAIL FROM must be the account's address or one of its aliases
// (553 5.7.1). Remote recipients of an authenticated user (or a POP-before-SMTP client on 25)
// and external alias targets go into the queue (accept.h) before the 250; without a queue
// they get 451 4.3.2.
// Loop thread only; one instance per connection; holds its config snapshot for its lifetime.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/sasl.h"
#include "config/config.h"
#include "delivery/journal.h"
#include "delivery/recipient.h"
#include "login/login.h"
#include "net/connection.h"
#include "queue/queue.h"
#include "smtp/accept.h"
#include "smtp/command.h"
#include "smtp/data_reader.h"
#include "smtp/line_reader.h"

namespace tegami_smtp {

struct SessionSettings {
  bool submission = false;            // 587/465: AUTH required before MAIL
  unsigned max_errors = 10;           // refused commands before "421 4.7.0" and close
  unsigned max_received = 50;         // more Received headers than this: 554 5.4.6 (a loop)
  bool allow_plaintext_auth = false;  // the listener's setting: AUTH before TLS
  // Port 25 pregreet test: wait this long before the 220; a client that sends anything first
  // gets "554 5.5.0" and the connection closes (RFC 5321 §4.3.1: the client waits for the
  // greeting). Zero: greet at once.
  std::chrono::milliseconds greeting_delay{0};
  // Called after a successful AUTH (the daemon records the user for `tegami who`).
  std::function<void(net::Connection&, const std::string&)> on_login;
  // The mail queue (remote recipients, forwarding, DSNs); nullptr: none (451 4.3.2 for remote
  // recipients). Shared by every session; outlives them.
  tegami_queue::Queue* queue = nullptr;
  // Called on the loop thread with the entries a transaction queued (the manager is told).
  std::function<void(const std::vector<tegami_queue::QueueId>&)> on_queued;
  // The delivery journal (delivery/journal.h), used while the config's server.delivery_sync
  // is `journal`; nullptr: every local copy is fsync'ed. Outlives the sessions.
  tegami_delivery::Journal* journal = nullptr;
};

class Session final : public net::Handler {
 public:
  Session(std::shared_ptr<const tegami::config::Config> config, SessionSettings settings);

  void on_open(net::Connection& c) override;
  size_t on_input(net::Connection& c, std::string_view data) override;
  void on_limit(net::Connection& c, net::LimitKind kind) override;
  void on_timeout(net::Connection& c, net::TimeoutKind kind) override;
  void on_tls_ready(net::Connection& c) override;
  void on_shutdown(net::Connection& c) override;

 private:
  enum class Phase { kGreeting, kCommand, kData, kBusy, kAuth };

  void greet(net::Connection& c);
  void reply(net::Connection& c, const Reply& r);
  void refuse(net::Connection& c, const Reply& r);  // counts the error, 421 past the limit
  void reset_transaction();
  // Returns false when the rest of the buffer must not be read (closing, STARTTLS, busy).
  bool handle_command(net::Connection& c, const Command& cmd, bool more_buffered);
  void cmd_ehlo(net::Connection& c, const Command& cmd);
  void cmd_mail(net::Connection& c, const Command& cmd);
  bool cmd_rcpt(net::Connection& c, const Command& cmd);
  bool cmd_data(net::Connection& c, bool more_buffered);
  void finish_data(net::Connection& c);
  bool cmd_auth(net::Connection& c, const Command& cmd);
  bool sasl_step(net::Connection& c, tegami_auth::SaslStep step);
  bool sender_allowed(const Path& p) const;
  // The RCPT-time posting check of a list (null sender, authenticated non-member): the
  // refusal, or nullopt when the post may go on (the From: check follows after DATA).
  std::optional<Reply> list_rcpt_refusal(const std::string& list) const;
  void add_remote(const std::string& address, const RcptParams& params);
  std::string hostname() const { return config_->server.hostname; }

  std::shared_ptr<const tegami::config::Config> config_;
  SessionSettings settings_;
  Phase phase_ = Phase::kCommand;
  LineReader lines_;
  unsigned errors_ = 0;
  std::string helo_;
  bool esmtp_ = false;
  // The transaction.
  std::optional<Path> sender_;
  MailParams mail_params_;
  std::vector<LocalTarget> locals_;               // local mailboxes (deduplicated)
  std::vector<tegami_queue::Recipient> remotes_;  // for the queue (deduplicated)
  std::vector<std::string> lists_;                // mailing lists posted to (deduplicated)
  std::string ctl_;                               // list whose -ctl address is a recipient
  std::vector<std::string> bounce_lists_;         // lists whose -bounces address is a recipient
  unsigned rcpt_count_ = 0;
  std::optional<DataReader> data_;
  std::string body_;
  std::uint64_t transactions_ = 0;
  std::optional<tegami_auth::SaslExchange> sasl_;
  std::optional<tegami::login::Identity> identity_;
  unsigned auth_failures_ = 0;
};

}  // namespace tegami_smtp
