#include "smtp/session.h"

#include <time.h>

#include <algorithm>
#include <utility>

#include "delivery/local_delivery.h"
#include "lists/expand.h"
#include "metrics/counters.h"

namespace tegami_smtp {

using tegami_delivery::LocalMailbox;
using tegami_delivery::RcptVerdict;
using SmtpStage = tegami::metrics::Counters::SmtpStage;

namespace {
void count_rejected(SmtpStage stage) {
  tegami::metrics::process_counters().smtp_rejected(stage);
}
}  // namespace

Session::Session(std::shared_ptr<const tegami::config::Config> config, SessionSettings settings)
    : config_(std::move(config)), settings_(settings) {}

void Session::on_open(net::Connection& c) {
  // Port 25 has no login: the pre-auth timer must not cut off a slow sender; the idle timeout
  // still applies.
  if (!settings_.submission) c.set_authenticated();
  if (settings_.greeting_delay.count() > 0) {
    phase_ = Phase::kGreeting;
    c.after(settings_.greeting_delay, [this, &c] {
      if (phase_ == Phase::kGreeting) greet(c);
    });
    return;
  }
  greet(c);
}

void Session::greet(net::Connection& c) {
  phase_ = Phase::kCommand;
  c.send("220 " + hostname() + " ESMTP tegami\r\n");
}

void Session::reply(net::Connection& c, const Reply& r) {
  c.send(r.wire());
}

void Session::refuse(net::Connection& c, const Reply& r) {
  ++errors_;
  if (errors_ > settings_.max_errors) {
    reply(c, r);
    reply(c, Reply{421, "4.7.0", hostname() + " Too many errors, closing connection"});
    c.close();
    return;
  }
  reply(c, r);
}

void Session::reset_transaction() {
  sender_.reset();
  mail_params_ = MailParams{};
  locals_.clear();
  remotes_.clear();
  lists_.clear();
  ctl_.clear();
  bounce_lists_.clear();
  rcpt_count_ = 0;
  data_.reset();
  body_.clear();
}

size_t Session::on_input(net::Connection& c, std::string_view data) {
  if (phase_ == Phase::kGreeting) {
    // RFC 5321 §4.3.1 / postscreen's pregreet test: a client that talks before our greeting
    // does not speak SMTP (or is a bot blasting its script): refuse and close.
    tegami::metrics::process_counters().smtp_rejected(
        tegami::metrics::Counters::SmtpStage::kConnect);
    phase_ = Phase::kBusy;
    reply(c,
          Reply{554, "5.5.0", hostname() + " Synchronization error: talked before the greeting"});
    c.close();
    return data.size();
  }
  size_t used = 0;
  while (used < data.size() && !c.closing()) {
    if (phase_ == Phase::kBusy) break;
    if (phase_ == Phase::kAuth) {
      LineReader::Result r = lines_.next(data.substr(used));
      used += r.consumed;
      if (r.kind == LineReader::Kind::kNeedMore) {
        if (r.consumed == 0) break;
        continue;
      }
      if (r.kind != LineReader::Kind::kLine) {
        phase_ = Phase::kCommand;
        sasl_.reset();
        lines_.set_max_line(kMaxCommandLine);
        refuse(c, Reply{501, "5.5.2", "Bad AUTH response line"});
        continue;
      }
      if (!sasl_step(c, sasl_->respond(r.line))) break;
      continue;
    }
    if (phase_ == Phase::kData) {
      DataReader::Step step = data_->feed(data.substr(used), body_);
      used += step.consumed;
      if (step.done) finish_data(c);
      continue;
    }
    if (c.above_high_water()) break;
    LineReader::Result r = lines_.next(data.substr(used));
    if (r.kind == LineReader::Kind::kNeedMore) {
      used += r.consumed;
      if (r.consumed == 0) break;
      continue;
    }
    if (r.kind == LineReader::Kind::kTooLong) {
      used += r.consumed;
      refuse(c, Reply{500, "5.5.2", "Line too long"});
      continue;
    }
    if (r.kind == LineReader::Kind::kBadLineEnd) {
      used += r.consumed;
      refuse(c, Reply{501, "5.5.2", "Bare CR or LF in command; use CRLF"});
      continue;
    }
    std::variant<Command, Reply> parsed = parse_command(r.line);
    used += r.consumed;
    if (auto* rep = std::get_if<Reply>(&parsed)) {
      refuse(c, *rep);
      continue;
    }
    if (!handle_command(c, std::get<Command>(parsed), used < data.size())) break;
  }
  // After STARTTLS the connection discards the rest itself; report it consumed.
  return used;
}

bool Session::handle_command(net::Connection& c, const Command& cmd, bool more_buffered) {
  switch (cmd.verb) {
    case Verb::kHelo:
    case Verb::kEhlo:
      cmd_ehlo(c, cmd);
      return true;
    case Verb::kMail:
      cmd_mail(c, cmd);
      return true;
    case Verb::kRcpt:
      return cmd_rcpt(c, cmd);
    case Verb::kData:
      return cmd_data(c, more_buffered);
    case Verb::kRset:
      reset_transaction();
      reply(c, Reply{250, "2.0.0", "Ok"});
      return true;
    case Verb::kNoop:
      reply(c, Reply{250, "2.0.0", "Ok"});
      return true;
    case Verb::kQuit:
      reply(c, Reply{221, "2.0.0", hostname() + " Bye"});
      c.close();
      return false;
    case Verb::kVrfy:
      reply(c, Reply{252, "2.5.0", "Cannot VRFY user, but will accept the message"});
      return true;
    case Verb::kExpn:
      refuse(c, Reply{502, "5.5.1", "EXPN not available"});
      return true;
    case Verb::kHelp:
      reply(c, Reply{214, "2.0.0", "See RFC 5321"});
      return true;
    case Verb::kStartTls:
      if (c.tls_active() || c.listener().tls != net::TlsMode::kStartTls) {
        refuse(c, Reply{502, "5.5.1", "STARTTLS not available"});
        return true;
      }
      reply(c, Reply{220, "2.0.0", "Ready to start TLS"});
      if (!c.start_tls().ok()) {
        reply(c, Reply{454, "4.7.0", "TLS not available"});
        return true;
      }
      // RFC 3207 §4.2: forget everything learnt before TLS (the connection drops every
      // plaintext byte received so far).
      reset_transaction();
      helo_.clear();
      esmtp_ = false;
      identity_.reset();
      sasl_.reset();
      lines_.reset();
      return false;
    case Verb::kAuth:
      return cmd_auth(c, cmd);
  }
  return true;
}

void Session::cmd_ehlo(net::Connection& c, const Command& cmd) {
  reset_transaction();
  helo_ = cmd.arg;
  esmtp_ = cmd.verb == Verb::kEhlo;
  if (!esmtp_) {
    reply(c, Reply{250, "", hostname()});
    return;
  }
  std::string r = "250-" + hostname() + "\r\n";
  r += "250-SIZE " + std::to_string(config_->limits.max_message_size) + "\r\n";
  r += "250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-DSN\r\n";
  if (!c.tls_active() && c.listener().tls == net::TlsMode::kStartTls) r += "250-STARTTLS\r\n";
  if (settings_.submission && !identity_ && (c.tls_active() || settings_.allow_plaintext_auth))
    r += "250-AUTH PLAIN LOGIN\r\n";
  // The last line of a multi-line reply uses "250 ".
  size_t last = r.rfind("250-");
  r[last + 3] = ' ';
  c.send(std::move(r));
}

void Session::cmd_mail(net::Connection& c, const Command& cmd) {
  if (helo_.empty()) return refuse(c, Reply{503, "5.5.1", "Send EHLO first"});
  if (sender_) return refuse(c, Reply{503, "5.5.1", "Nested MAIL command"});
  if (settings_.submission && !identity_)
    return refuse(c, Reply{530, "5.7.0", "Authentication required"});
  if (settings_.submission && !sender_allowed(cmd.path))
    return refuse(c, Reply{553, "5.7.1", "Sender address not owned by " + identity_->address});
  std::uint64_t max = config_->limits.max_message_size;
  if (cmd.mail.size && max != 0 && *cmd.mail.size > max)
    return refuse(c, Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"});
  if (cmd.path.utf8 && !cmd.mail.smtputf8)
    return refuse(c, Reply{553, "5.6.7", "Non-ASCII address requires SMTPUTF8"});
  if (cmd.path.source_route || cmd.path.trailing_dot)
    return refuse(c, Reply{553, "5.1.7", "Bad sender address"});
  sender_ = cmd.path;
  mail_params_ = cmd.mail;
  reply(c, Reply{250, "2.1.0", "Ok"});
}

bool Session::cmd_rcpt(net::Connection& c, const Command& cmd) {
  if (!sender_) {
    refuse(c, Reply{503, "5.5.1", "Need MAIL command"});
    return true;
  }
  if (rcpt_count_ >= config_->limits.max_recipients) {
    count_rejected(SmtpStage::kRcpt);
    reply(c, Reply{452, "4.5.3", "Too many recipients"});
    return true;
  }
  if (cmd.path.utf8 && !mail_params_.smtputf8) {
    count_rejected(SmtpStage::kRcpt);
    refuse(c, Reply{553, "5.6.7", "Non-ASCII address requires SMTPUTF8"});
    return true;
  }
  RcptVerdict v = tegami_delivery::resolve_recipient(*config_, cmd.path);
  if (v.kind == RcptVerdict::Kind::kRemote) {
    // POP-before-SMTP (auth.pop_before_smtp): a client that logged in over POP3/IMAP from
    // this IP within the window may relay through port 25, like an authenticated user.
    bool pop_before_smtp = !settings_.submission && config_->auth.pop_before_smtp &&
                           tegami::login::process_login_service().pop_before_smtp().may_relay(
                               c.peer().ip(), std::chrono::steady_clock::now());
    if ((identity_ || pop_before_smtp) && settings_.queue != nullptr) {
      // Authenticated users may relay: the message goes into the queue before the 250.
      ++rcpt_count_;
      add_remote(v.remote, cmd.rcpt);
      reply(c, Reply{250, "2.1.5", "Ok"});
    } else if (identity_ || pop_before_smtp) {
      count_rejected(SmtpStage::kRcpt);
      // No queue: a clear temporary error, never a 250 for mail that could not be sent on.
      reply(c, Reply{451, "4.3.2", "Delivery to other domains is not available yet"});
    } else {
      count_rejected(SmtpStage::kRcpt);
      refuse(c, Reply{554, "5.7.1", "Relay access denied"});
    }
    return true;
  }
  if (v.kind == RcptVerdict::Kind::kRefused) {
    count_rejected(SmtpStage::kRcpt);
    if (v.reply.code >= 500) {
      refuse(c, v.reply);
    } else {
      reply(c, v.reply);
    }
    return true;
  }
  if (!v.list_ctl.empty()) {
    // List commands are taken only from an account logged in with SMTP AUTH that is an admin
    // of the list; the From: header never counts (docs/lists.md).
    tegami::config::AddressTarget t = config_->resolve(v.list_ctl);
    bool admin = identity_ && t.kind == tegami::config::AddressTarget::Kind::kList &&
                 std::find(t.list->admins.begin(), t.list->admins.end(), identity_->address) !=
                     t.list->admins.end();
    if (!admin) {
      refuse(c, Reply{550, "5.7.1",
                      "List commands are taken only from the list's admins, logged in (AUTH)"});
      return true;
    }
    if (!ctl_.empty() && ctl_ != v.list_ctl) {
      reply(c, Reply{452, "4.5.3", "One list command address per message"});
      return true;
    }
    ctl_ = v.list_ctl;
    ++rcpt_count_;
    reply(c, Reply{250, "2.1.5", "Ok"});
    return true;
  }
  for (const std::string& list : v.lists) {
    if (auto no = list_rcpt_refusal(list)) {
      refuse(c, *no);
      return true;
    }
  }
  if (!v.forward.empty() && settings_.queue == nullptr) {
    count_rejected(SmtpStage::kRcpt);
    reply(c, Reply{451, "4.3.2", "Forwarding to other servers is not available, try again later"});
    return true;
  }
  std::string rcpt_address = cmd.path.address();
  RcptParams params = cmd.rcpt;
  std::vector<std::string> forward = std::move(v.forward);
  std::vector<std::string> lists = std::move(v.lists);
  std::string list_bounces = std::move(v.list_bounces);
  // Quota at RCPT reads maildirsize: off the loop, then answer and go on with the pipeline.
  phase_ = Phase::kBusy;
  c.pause_input();
  auto boxes = std::make_shared<std::vector<LocalMailbox>>(std::move(v.mailboxes));
  auto result = std::make_shared<maildir::Status>();
  std::uint64_t max = config_->limits.max_message_size;
  c.run_blocking(
      [boxes, result, max] {
        for (const LocalMailbox& m : *boxes) {
          maildir::Status s = tegami_delivery::check_mailbox_open(m, max);
          if (s.code() == maildir::Code::kOverQuota) {
            *result = s;
            return;
          }
        }
      },
      [this, &c, boxes, result, rcpt_address, params, forward, lists, list_bounces] {
        phase_ = Phase::kCommand;
        if (!result->ok()) {
          count_rejected(SmtpStage::kRcpt);
          reply(c, Reply{552, "5.2.2", "Mailbox full"});
        } else {
          ++rcpt_count_;
          for (LocalMailbox& m : *boxes) {
            auto same = [&m](const LocalTarget& t) { return t.mailbox == m; };
            if (std::find_if(locals_.begin(), locals_.end(), same) != locals_.end()) continue;
            LocalTarget t;
            t.mailbox = std::move(m);
            t.rcpt = rcpt_address;
            if (params.orcpt_type) t.orcpt = *params.orcpt_type + ";" + *params.orcpt_address;
            t.has_notify = params.has_notify;
            t.notify = params.notify;
            locals_.push_back(std::move(t));
          }
          for (const std::string& f : forward) add_remote(f, params);
          for (const std::string& l : lists)
            if (std::find(lists_.begin(), lists_.end(), l) == lists_.end()) lists_.push_back(l);
          if (!list_bounces.empty() && std::find(bounce_lists_.begin(), bounce_lists_.end(),
                                                 list_bounces) == bounce_lists_.end())
            bounce_lists_.push_back(list_bounces);
          reply(c, Reply{250, "2.1.5", "Ok"});
        }
        c.resume_input();
      });
  return false;
}

bool Session::cmd_data(net::Connection& c, bool more_buffered) {
  if (!sender_) {
    refuse(c, Reply{503, "5.5.1", "Need MAIL command"});
    return true;
  }
  if (locals_.empty() && remotes_.empty() && lists_.empty() && ctl_.empty()) {
    refuse(c, Reply{554, "5.5.1", "No valid recipients"});
    return true;
  }
  if (more_buffered) {
    // RFC 2920 §3.1: DATA ends a pipelined group; bytes before our 354 are a client that
    // does not wait (or an injection attempt).
    reply(c, Reply{554, "5.5.0", "Synchronization error: data sent before the 354 reply"});
    c.close();
    return false;
  }
  data_.emplace(config_->limits.max_message_size);
  body_.clear();
  phase_ = Phase::kData;
  reply(c, Reply{354, "", "End data with <CR><LF>.<CR><LF>"});
  return true;
}

void Session::finish_data(net::Connection& c) {
  phase_ = Phase::kCommand;
  if (data_->bad_line_end() || data_->too_big() || data_->received_count() > settings_.max_received)
    count_rejected(SmtpStage::kData);
  if (data_->bad_line_end()) {
    reset_transaction();
    return reply(c, Reply{550, "5.6.11", "Bare CR or LF in message; refused (use CRLF)"});
  }
  if (data_->too_big()) {
    reset_transaction();
    return reply(c, Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"});
  }
  if (data_->received_count() > settings_.max_received) {
    reset_transaction();
    return reply(c, Reply{554, "5.4.6", "Too many Received headers: mail loop"});
  }
  ++transactions_;
  tegami_delivery::TraceInfo trace;
  trace.helo = helo_;
  trace.peer_ip = c.peer().ip();
  trace.by_host = hostname();
  trace.protocol = c.tls_active() ? "ESMTPS" : (esmtp_ ? "ESMTP" : "SMTP");
  if (identity_) trace.protocol += "A";  // RFC 3848: ESMTPA / ESMTPSA
  trace.tls = c.tls_version();
  trace.id = std::to_string(c.id()) + "." + std::to_string(transactions_);
  std::string for_addr;
  if (locals_.size() + remotes_.size() + lists_.size() + (ctl_.empty() ? 0 : 1) == 1)
    for_addr = !locals_.empty()    ? locals_[0].mailbox.address
               : !remotes_.empty() ? remotes_[0].address
               : !lists_.empty()
                   ? lists_[0]
                   : ctl_.substr(0, ctl_.rfind('@')) + "-ctl" + ctl_.substr(ctl_.rfind('@'));
  auto job = std::make_shared<AcceptJob>();
  job->received = tegami_delivery::received_header(trace, for_addr, ::time(nullptr));
  job->message = std::move(body_);
  job->envelope.sender = sender_->null ? "" : sender_->address();
  job->envelope.envid = mail_params_.envid;
  job->envelope.ret = mail_params_.ret;
  job->envelope.body = mail_params_.body;
  job->envelope.smtputf8 = mail_params_.smtputf8;
  job->envelope.arrival = ::time(nullptr);
  if (identity_) job->envelope.auth_user = identity_->address;
  job->locals = std::move(locals_);
  job->remotes = std::move(remotes_);
  job->lists = std::move(lists_);
  job->list_ctl = std::move(ctl_);
  job->bounce_lists = std::move(bounce_lists_);
  job->config = config_;
  job->max_size = config_->limits.max_message_size;
  job->queue = settings_.queue;
  if (config_->server.delivery_sync == tegami::config::DeliverySync::kJournal) {
    job->journal = settings_.journal;
  }
  job->hostname = hostname();
  job->config = config_;
  auto result = std::make_shared<AcceptResult>();
  std::string id = trace.id;
  reset_transaction();
  phase_ = Phase::kBusy;
  c.pause_input();
  c.run_blocking(
      [job, result] { *result = accept_message(*job); },
      [this, &c, result, id] {
        phase_ = Phase::kCommand;
        for (std::size_t i = 0; i < result->delivered; ++i)
          tegami::metrics::process_counters().message_delivered();
        if (!result->queued.empty() && settings_.on_queued) settings_.on_queued(result->queued);
        Reply r = result->reply;
        if (r.code == 250) {
          tegami::metrics::process_counters().message_received();
        } else {
          count_rejected(SmtpStage::kData);
        }
        if (r.code == 250)
          r.text =
              "Ok: " + std::string(result->queued.empty() ? "delivered as " : "queued as ") + id;
        reply(c, r);
        c.resume_input();
      });
}

// A remote recipient (or external alias target) for the queue; the same address once.
void Session::add_remote(const std::string& address, const RcptParams& params) {
  for (const tegami_queue::Recipient& r : remotes_)
    if (r.address == address) return;
  tegami_queue::Recipient r;
  r.address = address;
  if (params.orcpt_type) r.orcpt = *params.orcpt_type + ";" + *params.orcpt_address;
  r.has_notify = params.has_notify;
  r.notify = params.notify;
  remotes_.push_back(std::move(r));
}

bool Session::cmd_auth(net::Connection& c, const Command& cmd) {
  if (!settings_.submission) {
    refuse(c, Reply{502, "5.5.1", "AUTH not available"});
    return true;
  }
  if (helo_.empty() || !esmtp_) {
    refuse(c, Reply{503, "5.5.1", "Send EHLO first"});
    return true;
  }
  if (identity_) {
    refuse(c, Reply{503, "5.5.1", "Already authenticated"});
    return true;
  }
  if (sender_) {
    refuse(c, Reply{503, "5.5.1", "AUTH not allowed during a mail transaction"});
    return true;
  }
  if (!c.tls_active() && !settings_.allow_plaintext_auth) {
    refuse(c, Reply{538, "5.7.11", "Encryption required for requested authentication mechanism"});
    return true;
  }
  auto mech = tegami_auth::parse_sasl_mechanism(cmd.arg);
  if (!mech) {
    refuse(c, Reply{504, "5.5.4", "Unrecognized authentication type"});
    return true;
  }
  sasl_.emplace(*mech);
  lines_.set_max_line(12288);  // RFC 4954 §4
  return sasl_step(c, sasl_->start(cmd.has_initial_response
                                       ? std::optional<std::string_view>(cmd.initial_response)
                                       : std::nullopt));
}

// One step of the SASL exchange: a challenge (334), a failure, or credentials (the login runs
// off the loop; input is paused until it answers). Returns false when input must stop.
bool Session::sasl_step(net::Connection& c, tegami_auth::SaslStep step) {
  using tegami_auth::SaslError;
  if (auto* ch = std::get_if<tegami_auth::SaslChallenge>(&step)) {
    phase_ = Phase::kAuth;
    c.send("334 " + ch->base64 + "\r\n");
    return true;
  }
  phase_ = Phase::kCommand;
  lines_.set_max_line(kMaxCommandLine);
  tegami::login::LoginRequest req;
  req.method = std::string(tegami_auth::sasl_mechanism_name(sasl_->mechanism()));
  if (auto* f = std::get_if<tegami_auth::SaslFailure>(&step)) {
    sasl_.reset();
    if (f->error == SaslError::kCancelled) {
      refuse(c, Reply{501, "5.0.0", "Authentication cancelled"});
      return true;
    }
    if (f->error != SaslError::kBadUsername && f->error != SaslError::kAuthzidRefused) {
      refuse(c, Reply{501, "5.5.2", "Malformed authentication response"});
      return true;
    }
    // Answered exactly like a wrong password: through the login with a name that fails.
  } else {
    auto& cred = std::get<tegami_auth::SaslCredentials>(step);
    req.username = std::move(cred.username);
    req.password = std::move(cred.password);
  }
  req.protocol = tegami::config::Protocol::kSubmission;
  sasl_.reset();
  req.remote_ip = c.peer().ip();
  req.local_ip = c.local().ip();
  req.tls = c.tls_active();
  req.allow_plaintext_auth = settings_.allow_plaintext_auth;
  req.session = c.id();
  req.attempt = auth_failures_ + 1;
  phase_ = Phase::kBusy;
  c.pause_input();
  tegami::login::process_login_service().login(
      c, config_, std::move(req), [this, &c](tegami::login::LoginResult res) {
        using tegami::login::LoginOutcome;
        phase_ = Phase::kCommand;
        switch (res.outcome) {
          case LoginOutcome::kOk:
            identity_ = res.identity;
            c.set_authenticated();
            if (settings_.on_login) settings_.on_login(c, identity_->address);
            reply(c, Reply{235, "2.7.0", "Authentication successful"});
            break;
          case LoginOutcome::kPlaintextRefused:
            refuse(c, Reply{538, "5.7.11", "Encryption required"});
            break;
          case LoginOutcome::kProtocolRefused:
            refuse(c, Reply{550, "5.7.1", "Submission is not included in your plan"});
            break;
          case LoginOutcome::kTemporary:
            reply(c, Reply{454, "4.7.0", "Temporary authentication failure"});
            break;
          case LoginOutcome::kFailed:
          case LoginOutcome::kDisabled:
            ++auth_failures_;
            if (auth_failures_ >= config_->limits.max_auth_failures) {
              reply(c, Reply{535, "5.7.8", "Authentication credentials invalid"});
              reply(c, Reply{421, "4.7.0", hostname() + " Too many authentication failures"});
              c.close();
              return;
            }
            refuse(c, Reply{535, "5.7.8", "Authentication credentials invalid"});
            break;
        }
        c.resume_input();
      });
  return false;
}

std::optional<Reply> Session::list_rcpt_refusal(const std::string& list) const {
  if (sender_->null)
    return Reply{550, "5.7.1", "Mailing list " + list + " takes no mail from the null sender"};
  tegami::config::AddressTarget t = config_->resolve(list);
  if (t.kind != tegami::config::AddressTarget::Kind::kList) return std::nullopt;
  if (t.list->posting == tegami::config::PostingPolicy::kAnyone) return std::nullopt;
  // Unauthenticated on port 25 the From: may still name a member: decided after DATA. An
  // authenticated user is who they are: refused now.
  if (!identity_) return std::nullopt;
  tegami_lists::Expansion e = tegami_lists::expand_list(*config_, *t.domain, *t.list);
  if (tegami_lists::may_post(*t.list, e, sender_->address()) ||
      tegami_lists::may_post(*t.list, e, identity_->address))
    return std::nullopt;
  return Reply{550, "5.7.1",
               t.list->posting == tegami::config::PostingPolicy::kAdmins
                   ? "Only the admins of " + list + " may post to it"
                   : "Only members of " + list + " may post to it"};
}

// The authenticated account's own address or one of its aliases, in its domain.
bool Session::sender_allowed(const Path& p) const {
  if (!identity_ || p.null || p.quoted) return false;
  std::string addr = p.local + "@" + p.domain;
  for (char& ch : addr)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  if (addr == identity_->address) return true;
  const tegami::config::Domain* d = nullptr;
  const tegami::config::Account* a = config_->find_account(identity_->address, &d);
  if (a == nullptr || d == nullptr) return false;
  for (const std::string& alias : a->aliases)
    if (addr == alias + "@" + d->name) return true;
  return false;
}

void Session::on_limit(net::Connection& c, net::LimitKind kind) {
  (void)kind;
  reply(c, Reply{421, "4.7.0", hostname() + " Too many connections or too much input"});
}

void Session::on_timeout(net::Connection& c, net::TimeoutKind kind) {
  (void)kind;
  reply(c, Reply{421, "4.4.2", hostname() + " Timeout, closing connection"});
}

void Session::on_tls_ready(net::Connection& c) {
  (void)c;
}

void Session::on_shutdown(net::Connection& c) {
  reply(c, Reply{421, "4.3.2", hostname() + " Service shutting down"});
}

}  // namespace tegami_smtp
