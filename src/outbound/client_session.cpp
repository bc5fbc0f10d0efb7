#include "outbound/client_session.h"

#include "auth/sasl.h"
#include "smtp/params.h"

namespace tegami::outbound {
namespace {

Step waiting(Phase phase, std::string send = {}) {
  Step s;
  s.send = std::move(send);
  s.wait = phase;
  return s;
}

}  // namespace

ClientSession::ClientSession(SessionSettings settings) : settings_(std::move(settings)) {}

Step ClientSession::on_connected() {
  state_ = State::kGreeting;
  return waiting(Phase::kGreeting);
}

Step ClientSession::fail(const Reply& reply) {
  Step s;
  bool in_transaction = state_ >= State::kMail && state_ <= State::kDataEnd;
  if (in_transaction) {
    // Recipients not yet refused for good take the failure (usually 421: try again later).
    TransactionResult result;
    for (size_t i = 0; i < txn_.recipients.size(); ++i) {
      const auto& r = i < rcpt_replies_.size() ? rcpt_replies_[i] : std::nullopt;
      result.recipients.push_back(r && r->permanent() ? *r : reply);
    }
    result.dsn_passed = caps_.dsn;
    s.result = std::move(result);
    txn_ = Transaction{};
  }
  state_ = State::kClosed;
  s.failure = reply;
  s.close = true;
  return s;
}

Step ClientSession::send_ehlo() {
  state_ = State::kEhlo;
  return waiting(Phase::kCommand, "EHLO " + settings_.helo_name + "\r\n");
}

Step ClientSession::on_tls_ready() {
  settings_.tls_active = true;
  caps_ = Capabilities{};
  return send_ehlo();  // RFC 3207 §4.2: forget what was learned before TLS
}

Step ClientSession::after_capabilities() {
  bool want_tls = !settings_.tls_active && settings_.tls != TlsPolicy::kNone;
  if (want_tls && caps_.starttls) {
    state_ = State::kStartTls;
    return waiting(Phase::kCommand, "STARTTLS\r\n");
  }
  if (want_tls && settings_.tls == TlsPolicy::kRequired) {
    return fail(make_reply(530, "5.7.10 TLS is required but the server does not offer STARTTLS"));
  }
  if (!settings_.auth_user.empty() && !auth_done_) return start_auth();
  state_ = State::kReady;
  return Step{};
}

Step ClientSession::start_auth() {
  if (caps_.has_auth("PLAIN")) {
    std::string token = std::string(1, '\0') + settings_.auth_user + '\0' + settings_.auth_password;
    state_ = State::kAuthPlain;
    return waiting(Phase::kCommand, "AUTH PLAIN " + tegami_auth::base64_encode(token) + "\r\n");
  }
  if (caps_.has_auth("LOGIN")) {
    state_ = State::kAuthLogin1;
    return waiting(Phase::kCommand, "AUTH LOGIN\r\n");
  }
  return fail(make_reply(530, "5.7.0 the relay offers neither AUTH PLAIN nor AUTH LOGIN"));
}

Step ClientSession::on_reply(const Reply& reply) {
  switch (state_) {
    case State::kGreeting:
      if (reply.code != 220) return fail(reply);
      return send_ehlo();
    case State::kEhlo:
      if (reply.code == 250) {
        caps_ = parse_ehlo(reply);
        return after_capabilities();
      }
      if (reply.code == 421) return fail(reply);
      state_ = State::kHelo;  // an old server: plain SMTP
      return waiting(Phase::kCommand, "HELO " + settings_.helo_name + "\r\n");
    case State::kHelo:
      if (reply.code != 250) return fail(reply);
      caps_ = Capabilities{};
      return after_capabilities();
    case State::kStartTls:
      if (reply.code == 220) {
        state_ = State::kTlsHandshake;
        Step s;
        s.start_tls = true;
        s.wait = Phase::kCommand;
        return s;
      }
      if (settings_.tls == TlsPolicy::kRequired || reply.code == 421) return fail(reply);
      settings_.tls = TlsPolicy::kNone;  // refused: carry on in plaintext
      return after_capabilities();
    case State::kAuthLogin2:  // the password prompt
      if (reply.code != 334) return fail(reply);
      state_ = State::kAuthPlain;  // now only 235 is left to wait for, as after AUTH PLAIN
      return waiting(Phase::kCommand, tegami_auth::base64_encode(settings_.auth_password) + "\r\n");
    case State::kAuthPlain:
      if (reply.code != 235) return fail(reply);
      auth_done_ = true;
      state_ = State::kReady;
      return Step{};
    case State::kAuthLogin1:
      if (reply.code != 334) return fail(reply);
      state_ = State::kAuthLogin2;
      return waiting(Phase::kCommand, tegami_auth::base64_encode(settings_.auth_user) + "\r\n");
    case State::kMail:
    case State::kRcpt:
    case State::kData:
    case State::kDataEnd:
      return on_transaction_reply(reply);
    case State::kRset:
      if (!reply.positive()) return fail(reply);
      state_ = State::kReady;
      return Step{};
    case State::kQuit: {
      Step s;
      state_ = State::kClosed;
      s.close = true;
      return s;
    }
    case State::kBody:
      // A reply while the body is still being written: the server gave up on the message.
      return fail(reply);
    case State::kConnecting:
    case State::kTlsHandshake:
    case State::kReady:
    case State::kClosed:
      break;
  }
  return fail(reply.code == 421 ? reply
                                : make_reply(421, "4.4.0 unexpected reply: " + reply.one_line()));
}

std::string ClientSession::mail_command() const {
  std::string cmd = "MAIL FROM:<" + txn_.mail_from + ">";
  if (caps_.size) cmd += " SIZE=" + std::to_string(txn_.size);
  if (txn_.eight_bit && caps_.eightbitmime) cmd += " BODY=8BITMIME";
  if (txn_.utf8 != Utf8Need::kNone && caps_.smtputf8) cmd += " SMTPUTF8";
  if (caps_.dsn) {
    if (!txn_.ret.empty()) cmd += " RET=" + txn_.ret;
    if (txn_.envid) cmd += " ENVID=" + tegami_smtp::encode_xtext(*txn_.envid);
  }
  return cmd + "\r\n";
}

std::string ClientSession::rcpt_command(size_t index) const {
  std::string cmd = "RCPT TO:<" + txn_.recipients[index] + ">";
  if (caps_.dsn && index < txn_.dsn.size()) {
    const RecipientDsn& d = txn_.dsn[index];
    if (!d.notify.empty()) cmd += " NOTIFY=" + d.notify;
    if (size_t semi = d.orcpt.find(';'); semi != std::string::npos && semi > 0) {
      // RFC 3461 §4.2: ORCPT=addr-type ";" xtext
      cmd += " ORCPT=" + d.orcpt.substr(0, semi) + ";" +
             tegami_smtp::encode_xtext(std::string_view(d.orcpt).substr(semi + 1));
    }
  }
  return cmd + "\r\n";
}

Step ClientSession::begin(Transaction transaction) {
  txn_ = std::move(transaction);
  rcpt_replies_.assign(txn_.recipients.size(), std::nullopt);
  mail_reply_.reset();
  rcpt_index_ = 0;
  data_sent_empty_ = false;
  if (caps_.size && caps_.max_size != 0 && txn_.size > caps_.max_size) {
    return finish_transaction(make_reply(552, "5.3.4 message is " + std::to_string(txn_.size) +
                                                  " octets, the server takes at most " +
                                                  std::to_string(caps_.max_size)));
  }
  if (txn_.eight_bit && !caps_.eightbitmime) {
    return finish_transaction(
        make_reply(554,
                   "5.6.3 the message has 8-bit content and the server does not support "
                   "8BITMIME (RFC 6152); it was not converted"));
  }
  if (!caps_.smtputf8 && txn_.utf8 == Utf8Need::kAddress) {
    return finish_transaction(
        make_reply(553,
                   "5.6.7 the message has a non-ASCII address and the server does not support "
                   "SMTPUTF8 (RFC 6531)"));
  }
  if (!caps_.smtputf8 && txn_.utf8 == Utf8Need::kHeaders) {
    return finish_transaction(
        make_reply(554,
                   "5.6.9 the message has UTF-8 headers and the server does not support "
                   "SMTPUTF8 (RFC 6531)"));
  }
  return send_mail();
}

Step ClientSession::send_mail() {
  pipelined_ = caps_.pipelining;
  state_ = State::kMail;
  if (!pipelined_) return waiting(Phase::kMail, mail_command());
  std::string batch = mail_command();
  for (size_t i = 0; i < txn_.recipients.size(); ++i) batch += rcpt_command(i);
  batch += "DATA\r\n";
  replies_expected_ = txn_.recipients.size() + 2;
  return waiting(Phase::kMail, std::move(batch));
}

Step ClientSession::on_transaction_reply(const Reply& reply) {
  if (reply.code == 421) return fail(reply);
  bool any_accepted = false;
  auto count_accepted = [&] {
    any_accepted = false;
    for (const auto& r : rcpt_replies_) any_accepted = any_accepted || (r && r->positive());
  };
  if (state_ == State::kDataEnd) {
    if (data_sent_empty_) return finish_transaction(std::nullopt);
    return finish_transaction(reply);
  }
  if (state_ == State::kMail) {
    mail_reply_ = reply;
    if (pipelined_) {
      --replies_expected_;
      state_ = State::kRcpt;
      return waiting(Phase::kRcpt);
    }
    if (!reply.positive()) return finish_transaction(reply);
    state_ = State::kRcpt;
    return waiting(Phase::kRcpt, rcpt_command(0));
  }
  if (state_ == State::kRcpt) {
    rcpt_replies_[rcpt_index_++] = reply;
    if (pipelined_) {
      --replies_expected_;
      if (rcpt_index_ == txn_.recipients.size()) state_ = State::kData;
      return waiting(state_ == State::kData ? Phase::kDataInit : Phase::kRcpt);
    }
    if (rcpt_index_ < txn_.recipients.size()) {
      return waiting(Phase::kRcpt, rcpt_command(rcpt_index_));
    }
    count_accepted();
    if (!any_accepted) return finish_transaction(std::nullopt);
    state_ = State::kData;
    return waiting(Phase::kDataInit, "DATA\r\n");
  }
  // kData: the reply to DATA.
  count_accepted();
  bool mail_ok = mail_reply_ && mail_reply_->positive();
  if (reply.code == 354) {
    state_ = State::kDataEnd;
    if (!mail_ok || !any_accepted) {  // RFC 2920 §3.1: end the empty message at once
      data_sent_empty_ = true;
      return waiting(Phase::kDataEnd, ".\r\n");
    }
    state_ = State::kBody;
    Step s;
    s.send_body = true;
    s.wait = Phase::kDataBlock;
    return s;
  }
  if (!mail_ok || !any_accepted) return finish_transaction(std::nullopt);
  return finish_transaction(reply);
}

Step ClientSession::on_body_sent() {
  state_ = State::kDataEnd;
  return waiting(Phase::kDataEnd);
}

// `all`: the reply for every recipient the server accepted (DATA's final reply, or a refusal
// that applies to all, e.g. MAIL refused or a SIZE check). Recipients refused at RCPT keep
// their own reply; MAIL's refusal applies to everyone.
Step ClientSession::finish_transaction(std::optional<Reply> all) {
  TransactionResult result;
  bool mail_ok = !mail_reply_ || mail_reply_->positive();
  for (size_t i = 0; i < txn_.recipients.size(); ++i) {
    const auto& own = rcpt_replies_[i];
    if (!mail_ok) {
      result.recipients.push_back(*mail_reply_);
    } else if (own && !own->positive()) {
      result.recipients.push_back(*own);
    } else if (all) {
      result.recipients.push_back(*all);
    } else {
      result.recipients.push_back(make_reply(451, "4.4.0 no reply for this recipient"));
    }
  }
  bool completed_data = state_ == State::kDataEnd && !data_sent_empty_;
  bool nothing_sent = !mail_reply_ && state_ != State::kMail;
  result.dsn_passed = caps_.dsn && !nothing_sent;
  txn_ = Transaction{};
  Step s;
  if (completed_data || nothing_sent) {
    state_ = State::kReady;
  } else {
    state_ = State::kRset;
    s = waiting(Phase::kCommand, "RSET\r\n");
  }
  s.result = std::move(result);
  return s;
}

Step ClientSession::quit() {
  if (state_ == State::kReady) {
    state_ = State::kQuit;
    return waiting(Phase::kCommand, "QUIT\r\n");
  }
  Step s;
  state_ = State::kClosed;
  s.close = true;
  return s;
}

}  // namespace tegami::outbound
