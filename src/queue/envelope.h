// A queue entry's envelope and per-recipient state, and their text format inside `env/<id>`
// (docs/formats.md "The mail queue"; queue.h puts the message between the initial block and
// the state lines).
//
// The text is line-based ASCII. An initial block, written once with the entry:
//   tegami-queue 2                (version 1: the same block, written by tegami before
//                                  2026-12; its message was a separate file msg/<id>)
//   arrival <unix seconds>
//   sender <xtext>                ("" after the space = the null sender <>)
//   envid <xtext>                 (only when ENVID was given)
//   ret full|hdrs                 (only when RET was given)
//   body 7bit|8bitmime            (only when BODY was given)
//   smtputf8                      (only when SMTPUTF8 was given)
//   auth <xtext>                  (the authenticated account, only when there is one)
//   dsn                           (this message is a DSN tegami generated)
//   rcpt <xtext address> <notify> <xtext orcpt or "-">
//   ...                           (one rcpt line per recipient, at least one)
//   end
// followed by any number of state lines, appended later; the last one for a recipient wins:
//   state <index> <pending|delivered|deferred|bounced> <attempts> <next attempt> <flags>
//         <xtext remote mta or "-"> <xtext last reply or "-">
// <notify> is "-" (not given), "never", or a comma list of success,failure,delay. <flags> is
// "-" or "d" (a delay DSN was sent). Values that may hold anything a client sent are xtext
// (RFC 3461 §4: printable ASCII except '+' and '=' as is, every other byte "+XX"), so no CR, LF
// or space from outside ever lands raw in the file. A last line without its LF (a crash during
// the append) is ignored; anything else malformed makes the whole file kCorrupt.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maildir/status.h"
#include "smtp/params.h"

namespace tegami_queue {

using QueueId = std::string;

struct Envelope {
  std::string sender;                // reverse path without <>; "" = the null sender
  std::optional<std::string> envid;  // RFC 3461 ENVID (decoded)
  tegami_smtp::Ret ret = tegami_smtp::Ret::kUnset;
  tegami_smtp::Body body = tegami_smtp::Body::kUnset;
  bool smtputf8 = false;
  std::int64_t arrival = 0;  // seconds since the epoch (Arrival-Date of a DSN)
  std::string auth_user;     // the authenticated account ("" = none)
  bool is_dsn = false;       // a DSN generated here (its sender is always null)
  bool operator==(const Envelope&) const = default;
};

enum class RcptState : std::uint8_t {
  kPending,    // not tried yet
  kDelivered,  // final: delivered locally or accepted by the remote server (2xx)
  kDeferred,   // tried, failed temporarily; next_attempt says when to try again
  kBounced,    // final: failed permanently (5xx, expiry, local refusal); a DSN was queued
};

std::string_view state_name(RcptState s);

struct Recipient {
  std::string address;      // forward path "local@domain" as the client gave it
  std::string orcpt;        // RFC 3461 ORCPT as "<type>;<address>" (decoded), "" = none
  bool has_notify = false;  // NOTIFY was given
  unsigned notify = 0;      // tegami_smtp::NotifyBits; 0 with has_notify = NEVER
  RcptState state = RcptState::kPending;
  std::uint32_t attempts = 0;     // delivery attempts so far
  std::int64_t next_attempt = 0;  // unix seconds; 0 = as soon as possible
  bool delay_notified = false;    // a "delayed" DSN was already sent (at most once)
  std::string remote_mta;         // the server that gave last_reply ("" = none / local)
  std::string last_reply;         // last reply or diagnostic, one line: "550 5.1.1 No such user"
  bool final() const { return state == RcptState::kDelivered || state == RcptState::kBounced; }
  bool operator==(const Recipient&) const = default;
};

struct Entry {
  QueueId id;
  Envelope envelope;
  std::vector<Recipient> recipients;
  int version = 2;  // of the file's format (the "tegami-queue <n>" line)
  // Where the message is (set by Queue::load): a byte range of `message_file` — env/<id>
  // itself (version 2) or msg/<id> (version 1, offset 0).
  std::string message_file;
  std::uint64_t message_offset = 0;
  std::uint64_t message_size = 0;
  // True when every recipient is final: the entry can be removed.
  bool done() const;
};

// The initial block, version 2 (ends with "end\n"). REQUIRES: at least one recipient (else
// kInvalidArgument).
maildir::Result<std::string> format_head(const Envelope& envelope,
                                         const std::vector<Recipient>& recipients);
// One state line for every recipient not in its initial state (pending, no attempt).
std::string format_current_states(const std::vector<Recipient>& recipients);
// format_head + format_current_states: an envelope text parse_envelope reads back.
maildir::Result<std::string> format_envelope(const Envelope& envelope,
                                             const std::vector<Recipient>& recipients);
// One state line (ends with "\n") for recipient `index`.
std::string format_state(std::size_t index, const Recipient& r);

// Parses an envelope text (version 1 or 2: the initial block and the state lines, without the
// message). `id` is copied into the Entry. Errors: kCorrupt with a message naming the line.
maildir::Result<Entry> parse_envelope(std::string_view text, const QueueId& id = {});

}  // namespace tegami_queue
