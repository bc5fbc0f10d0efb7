#include "imap/notify_request.h"

#include "mime/structure.h"

namespace imap {

namespace {

bool fail(NotifyParseError& e, NotifyParseError::Kind kind, std::string why) {
  e.kind = kind;
  e.message = std::move(why);
  return false;
}

bool syntax(NotifyParseError& e, std::string why) {
  return fail(e, NotifyParseError::Kind::kSyntax, std::move(why));
}

bool parse_events(const Arg& a, bool selected, NotifyEvents& ev, NotifyParseError& e) {
  if (a.kind == Arg::Kind::kAtom && mime::iequals(a.text, "NONE")) return true;
  if (a.kind != Arg::Kind::kList || a.children.empty()) return syntax(e, "Invalid event list");
  const std::vector<Arg>& c = a.children;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i].kind != Arg::Kind::kAtom) return syntax(e, "Invalid event");
    const std::string& n = c[i].text;
    if (mime::iequals(n, "MessageNew")) {
      ev.message_new = true;
      if (i + 1 < c.size() && c[i + 1].kind == Arg::Kind::kList) {
        if (!selected) return syntax(e, "fetch attributes only for the selected mailbox");
        ev.has_fetch_att = true;
        ev.fetch_att = c[++i];
      }
    } else if (mime::iequals(n, "MessageExpunge")) {
      ev.message_expunge = true;
    } else if (mime::iequals(n, "FlagChange")) {
      ev.flag_change = true;
    } else if (mime::iequals(n, "MailboxName")) {
      ev.mailbox_name = true;
    } else if (mime::iequals(n, "SubscriptionChange")) {
      ev.subscription_change = true;
    } else {
      return fail(e, NotifyParseError::Kind::kBadEvent, "Unsupported event " + n.substr(0, 64));
    }
  }
  if (ev.message_new != ev.message_expunge) {
    return syntax(e, "MessageNew and MessageExpunge must be given together");
  }
  if (ev.flag_change && !ev.message_new) {
    return syntax(e, "FlagChange needs MessageNew and MessageExpunge");
  }
  if (selected && (ev.mailbox_name || ev.subscription_change)) {
    return syntax(e, "Mailbox list events are not selected-mailbox events");
  }
  return true;
}

}  // namespace

bool parse_notify(const std::vector<Arg>& args, NotifyRequest& out, NotifyParseError& e) {
  out = NotifyRequest{};
  e = NotifyParseError{};
  if (args.empty() || args[0].kind != Arg::Kind::kAtom) return syntax(e, "NONE or SET expected");
  if (mime::iequals(args[0].text, "NONE")) {
    if (args.size() != 1) return syntax(e, "Nothing may follow NONE");
    out.none = true;
    return true;
  }
  if (!mime::iequals(args[0].text, "SET")) return syntax(e, "NONE or SET expected");
  size_t i = 1;
  if (i < args.size() && args[i].kind == Arg::Kind::kAtom &&
      mime::iequals(args[i].text, "STATUS")) {
    out.status = true;
    ++i;
  }
  if (i >= args.size()) return syntax(e, "Event groups expected");
  bool has_selected = false;
  for (; i < args.size(); ++i) {
    const Arg& g = args[i];
    if (g.kind != Arg::Kind::kList || g.children.size() < 2)
      return syntax(e, "Invalid event group");
    const std::vector<Arg>& c = g.children;
    if (c[0].kind != Arg::Kind::kAtom) return syntax(e, "Invalid filter");
    NotifyGroup group;
    size_t events_at = 1;
    const std::string& f = c[0].text;
    if (mime::iequals(f, "SELECTED") || mime::iequals(f, "SELECTED-DELAYED")) {
      if (has_selected) return syntax(e, "SELECTED given twice");
      has_selected = true;
      group.filter =
          mime::iequals(f, "SELECTED") ? NotifyFilter::kSelected : NotifyFilter::kSelectedDelayed;
    } else if (mime::iequals(f, "INBOXES")) {
      group.filter = NotifyFilter::kInboxes;
    } else if (mime::iequals(f, "PERSONAL")) {
      group.filter = NotifyFilter::kPersonal;
    } else if (mime::iequals(f, "SUBSCRIBED")) {
      group.filter = NotifyFilter::kSubscribed;
    } else if (mime::iequals(f, "SUBTREE") || mime::iequals(f, "MAILBOXES")) {
      group.filter =
          mime::iequals(f, "SUBTREE") ? NotifyFilter::kSubtree : NotifyFilter::kMailboxes;
      if (c.size() < 3) return syntax(e, "Mailboxes expected");
      const Arg& m = c[1];
      if (m.kind == Arg::Kind::kList) {
        if (m.children.empty()) return syntax(e, "Mailboxes expected");
        for (const Arg& x : m.children) {
          if (!x.is_astring()) return syntax(e, "Invalid mailbox");
          group.mailboxes.push_back(x);
        }
      } else if (m.is_astring()) {
        group.mailboxes.push_back(m);
      } else {
        return syntax(e, "Invalid mailbox");
      }
      events_at = 2;
    } else {
      return syntax(e, "Unknown filter " + f.substr(0, 64));
    }
    if (c.size() != events_at + 1) return syntax(e, "Invalid event group");
    bool selected =
        group.filter == NotifyFilter::kSelected || group.filter == NotifyFilter::kSelectedDelayed;
    if (!parse_events(c[events_at], selected, group.events, e)) return false;
    out.groups.push_back(std::move(group));
  }
  return true;
}

}  // namespace imap
