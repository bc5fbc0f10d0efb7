// NOTIFY (RFC 5465): the arguments of `NOTIFY NONE` / `NOTIFY SET [STATUS] (filter events)...`
// parsed from the generic command arguments. Pure; any thread.
//
// Rules checked here (RFC 5465 sections 3 and 5): MessageNew and MessageExpunge come together
// and FlagChange needs both (else BAD); SELECTED and SELECTED-DELAYED exclusive (BAD);
// MailboxName/SubscriptionChange only for mailbox-list filters (BAD with SELECTED); a
// fetch-att after MessageNew only with SELECTED filters (BAD otherwise); events tegami does not
// offer (AnnotationChange, MailboxMetadata, ServerMetadata, anything unknown) give NO [BADEVENT
// (<supported>)].
#pragma once

#include <string>
#include <vector>

#include "imap/parser.h"

namespace imap {

struct NotifyEvents {
  bool message_new = false;
  bool message_expunge = false;
  bool flag_change = false;
  bool mailbox_name = false;
  bool subscription_change = false;
  bool has_fetch_att = false;  // MessageNew (fetch-att): SELECTED filters only
  Arg fetch_att;               // the list after MessageNew
  bool any() const {
    return message_new || message_expunge || flag_change || mailbox_name || subscription_change;
  }
};

enum class NotifyFilter {
  kSelected,
  kSelectedDelayed,
  kInboxes,
  kPersonal,
  kSubscribed,
  kSubtree,
  kMailboxes,
};

struct NotifyGroup {
  NotifyFilter filter = NotifyFilter::kSelected;
  std::vector<Arg> mailboxes;  // kSubtree / kMailboxes: the names as sent (astrings)
  NotifyEvents events;         // all false: NONE
};

struct NotifyRequest {
  bool none = false;    // NOTIFY NONE
  bool status = false;  // SET STATUS: send STATUS for the watched mailboxes at once
  std::vector<NotifyGroup> groups;
};

struct NotifyParseError {
  enum class Kind { kNone, kSyntax, kBadEvent } kind = Kind::kNone;
  std::string message;
};

// The events listed in NO [BADEVENT (...)].
inline constexpr const char* kNotifySupportedEvents =
    "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange";

// Parses NOTIFY's arguments. False with `error` set on failure.
bool parse_notify(const std::vector<Arg>& args, NotifyRequest& out, NotifyParseError& error);

}  // namespace imap
