// One outgoing SMTP connection as a pure state machine (the nginx mail proxy's grid of state ×
// reply): replies in, "what to do next" out. No I/O, no clock: the connection layer
// (outbound/connection.h) feeds it the server's replies, sends what it says, arms the timer of
// the phase it names and runs the TLS handshake when told.
//
// Sequence: greeting 220 → EHLO (HELO if EHLO is refused) → STARTTLS when offered and allowed
// (EHLO again after the handshake) → AUTH PLAIN/LOGIN when credentials are set → ready. Each
// transaction: MAIL FROM (SIZE=, BODY=8BITMIME, SMTPUTF8, RET=, ENVID=), RCPT TO per recipient
// (NOTIFY=, ORCPT= — the RFC 3461 parameters only to a server that offers DSN), DATA, the body,
// the final reply; with PIPELINING the MAIL/RCPT/DATA group goes out in one write (RFC 2920).
// After a transaction the session is ready again (connection reuse) until quit().
//
// Checked before MAIL, answered without asking the server: a message larger than the server's
// SIZE (552 5.3.4), an 8-bit body to a server without 8BITMIME (554 5.6.3, RFC 6152 §3: tegami
// does not downgrade), a message that needs SMTPUTF8 to a server without it (RFC 6531 §3.2:
// 553 5.6.7 for a non-ASCII address, 554 5.6.9 for UTF-8 headers). A session-level failure (bad
// greeting, 421, EHLO and HELO refused, required TLS or AUTH impossible or refused) ends the
// session; the transport then tries the next host. Any thread; one instance per connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outbound/capabilities.h"
#include "outbound/reply_parser.h"

namespace tegami::outbound {

// Which reply the session waits for: selects the RFC 5321 §4.5.3.2 timeout.
enum class Phase {
  kNone,       // nothing expected (idle between transactions, closed)
  kGreeting,   // 220 (5 min)
  kCommand,    // EHLO, HELO, STARTTLS, AUTH, RSET, QUIT (5 min)
  kMail,       // MAIL (5 min)
  kRcpt,       // RCPT (5 min)
  kDataInit,   // DATA → 354 (2 min)
  kDataBlock,  // the body is being written (3 min per block)
  kDataEnd,    // final "." → reply (10 min)
};

enum class TlsPolicy {
  kNone,           // never STARTTLS (implicit TLS is decided by the connection)
  kOpportunistic,  // STARTTLS when offered; plaintext if not offered or refused
  kRequired,       // STARTTLS must be offered and succeed (a smarthost with starttls)
};

struct SessionSettings {
  std::string helo_name = "localhost";  // our host name for EHLO/HELO
  TlsPolicy tls = TlsPolicy::kOpportunistic;
  bool tls_active = false;  // implicit TLS: already encrypted at the greeting
  std::string auth_user;    // empty = no AUTH
  std::string auth_password;
};

// RFC 3461 parameters of one recipient, passed on when the server offers DSN.
struct RecipientDsn {
  std::string notify;  // "NEVER" or a comma list of SUCCESS,FAILURE,DELAY; "" = not given
  std::string orcpt;   // "<addr-type>;<address>" (decoded); "" = not given
};

// What SMTPUTF8 (RFC 6531) the message asks for.
enum class Utf8Need {
  kNone,     // ASCII envelope; SMTPUTF8 not asked for
  kAsked,    // the sender gave SMTPUTF8 but nothing needs it: passed on when offered
  kHeaders,  // UTF-8 in the header: needs SMTPUTF8 (554 5.6.9 without)
  kAddress,  // a non-ASCII envelope address: needs SMTPUTF8 (553 5.6.7 without)
};

struct Transaction {
  std::string mail_from;                // reverse path without <>, "" for the null sender
  std::vector<std::string> recipients;  // forward paths without <>
  uint64_t size = 0;                    // message size in octets (for SIZE=)
  bool eight_bit = false;               // the body has octets ≥ 0x80 (needs 8BITMIME)
  Utf8Need utf8 = Utf8Need::kNone;
  // RFC 3461, sent only when the server offers DSN:
  std::string ret;                   // "FULL" / "HDRS"; "" = not given
  std::optional<std::string> envid;  // decoded
  std::vector<RecipientDsn> dsn;     // per recipient (same order); shorter = not given
};

// The outcome of a transaction: one reply per recipient, in order (2xx delivered, 4xx later,
// 5xx never). A reply the session made up carries the server's text where there was one.
struct TransactionResult {
  std::vector<Reply> recipients;
  // The server offered DSN, so the RFC 3461 parameters went with the message: the server
  // reports from here on (RFC 3461 §5.2). False: tegami is the last DSN-capable hop.
  bool dsn_passed = false;
};

// What to do after an input.
struct Step {
  std::string send;                         // bytes to write now (commands)
  bool send_body = false;                   // then write the body, dot-stuffed, and ".\r\n"
  bool start_tls = false;                   // after writing `send`, run the TLS handshake
  bool close = false;                       // close the connection after writing `send`
  Phase wait = Phase::kNone;                // the reply awaited (timer)
  std::optional<TransactionResult> result;  // a transaction finished
  std::optional<Reply> failure;             // session-level failure (then close is set)
};

class ClientSession {
 public:
  explicit ClientSession(SessionSettings settings);

  // The TCP connection (and implicit TLS) is up: wait for the greeting.
  Step on_connected();
  // A complete reply arrived.
  Step on_reply(const Reply& reply);
  // The STARTTLS handshake finished.
  Step on_tls_ready();
  // The body and its final dot were written: wait for the final reply.
  Step on_body_sent();
  // REQUIRES: ready(). Starts a transaction.
  Step begin(Transaction transaction);
  // Ends the session politely (QUIT) when ready, else just closes.
  Step quit();
  // The connection failed under the session (timeout, EOF, garbage, TLS error): `reason` is a
  // made-up reply saying so (4xx). The transaction in progress, if any, gets it for every
  // recipient not yet refused for good; the session is closed.
  Step abort(const Reply& reason) { return fail(reason); }

  bool ready() const { return state_ == State::kReady; }
  bool closed() const { return state_ == State::kClosed; }
  bool tls_active() const { return settings_.tls_active; }
  const Capabilities& capabilities() const { return caps_; }
  // The transaction in progress (empty recipients when none).
  const Transaction& transaction() const { return txn_; }

 private:
  enum class State {
    kConnecting,
    kGreeting,
    kEhlo,
    kHelo,
    kStartTls,
    kTlsHandshake,
    kAuthPlain,
    kAuthLogin1,
    kAuthLogin2,
    kReady,
    kMail,
    kRcpt,
    kData,
    kBody,
    kDataEnd,
    kRset,
    kQuit,
    kClosed,
  };
  Step fail(const Reply& reply);
  Step after_capabilities();
  Step start_auth();
  Step send_ehlo();
  Step send_mail();
  Step on_transaction_reply(const Reply& reply);
  Step finish_transaction(std::optional<Reply> all);
  Step reset_after_failed_transaction();
  std::string mail_command() const;
  std::string rcpt_command(size_t index) const;

  SessionSettings settings_;
  State state_ = State::kConnecting;
  Capabilities caps_;
  bool auth_done_ = false;
  Transaction txn_;
  std::optional<Reply> mail_reply_;  // MAIL's reply once known
  std::vector<std::optional<Reply>> rcpt_replies_;
  size_t replies_expected_ = 0;  // pipelined replies still to come (MAIL+RCPT+DATA)
  size_t rcpt_index_ = 0;        // next RCPT reply (or command without pipelining)
  bool pipelined_ = false;
  bool data_sent_empty_ = false;                     // 354 with no accepted recipient: "." sent
  std::optional<TransactionResult> pending_result_;  // reported once RSET is answered
};

}  // namespace tegami::outbound
