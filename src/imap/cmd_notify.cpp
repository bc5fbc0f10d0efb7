// NOTIFY NONE / NOTIFY SET (RFC 5465). The arguments are parsed by notify_request.h; the
// mailboxes a SET names are resolved and their watchers opened on a worker thread, then the
// session takes the new setup (notify.h) and answers.
#include <memory>
#include <set>

#include "imap/command_table.h"
#include "imap/mailbox_status.h"
#include "imap/notify.h"
#include "imap/notify_request.h"
#include "imap/response_code.h"
#include "imap/selected_box.h"
#include "imap/session.h"
#include "imap/user_storage.h"

namespace imap {

namespace {

struct SetOutcome {
  maildir::Status status;
  bool overflow = false;
  std::unique_ptr<NotifyState> state;
  std::string untagged;  // SET STATUS lines
};

// The folders a mailbox-list filter names (API names of existing, selectable folders).
void add_filter_boxes(const NotifyGroup& g, const std::map<std::string, NotifyState::Listed>& all,
                      const std::vector<std::string>& named, std::set<std::string>& out) {
  for (const auto& [name, l] : all) {
    if (!l.exists) continue;
    bool take = false;
    switch (g.filter) {
      case NotifyFilter::kInboxes:
        take = name == "INBOX";  // the only folder mail is delivered to
        break;
      case NotifyFilter::kPersonal:
        take = true;
        break;
      case NotifyFilter::kSubscribed:
        take = l.subscribed;
        break;
      case NotifyFilter::kSubtree:
        for (const std::string& n : named) {
          take = take || name == n || name.rfind(n + "/", 0) == 0;
        }
        break;
      case NotifyFilter::kMailboxes:
        for (const std::string& n : named) take = take || name == n;
        break;
      default:
        break;
    }
    if (take) out.insert(name);
  }
}

}  // namespace

void cmd_notify(Session& s, Command& c) {
  NotifyRequest req;
  NotifyParseError error;
  if (!parse_notify(c.args, req, error)) {
    if (error.kind == NotifyParseError::Kind::kBadEvent) {
      s.tagged(c.tag,
               "NO [BADEVENT (" + std::string(kNotifySupportedEvents) + ")] " + error.message);
    } else {
      s.bad(c.tag, "Error in NOTIFY: " + error.message);
    }
    return;
  }
  if (req.none) {
    s.set_notify(nullptr);
    s.tagged(c.tag, "OK NOTIFY completed.");
    return;
  }
  auto state = std::make_unique<NotifyState>();
  state->names = s.wire_names();
  state->maildir_root = s.identity().maildir_path;
  state->maildir_options = maildir_options(*s.options().config);
  // Mailbox names of SUBTREE / MAILBOXES, decoded here (loop thread, pure).
  std::vector<std::vector<std::string>> named(req.groups.size());
  for (size_t g = 0; g < req.groups.size(); ++g) {
    const NotifyGroup& group = req.groups[g];
    if (group.filter == NotifyFilter::kSelected || group.filter == NotifyFilter::kSelectedDelayed) {
      state->selected = group.events.any();
      state->selected_delayed = group.filter == NotifyFilter::kSelectedDelayed;
      state->selected_events = group.events;
      if (group.events.has_fetch_att) {
        std::string ferr;
        auto items = parse_fetch_items(group.events.fetch_att, false, ferr);
        if (!items) {
          s.bad(c.tag, "Error in NOTIFY: " + ferr);
          return;
        }
        for (FetchItem& it : *items) it.peek = true;
        state->new_items = std::move(*items);
      }
      continue;
    }
    for (const Arg& m : group.mailboxes) {
      auto name = mailbox_from_wire(m, s.wire_names());
      if (name.ok()) named[g].push_back(*name);  // a name that cannot exist watches nothing
    }
    if (group.events.mailbox_name || group.events.subscription_change) state->list_events = true;
    state->list_names = state->list_names || group.events.mailbox_name;
    state->list_subscriptions = state->list_subscriptions || group.events.subscription_change;
  }
  auto out = std::make_shared<SetOutcome>();
  out->state = std::move(state);
  s.blocking(
      [out, req, named, selected_name = s.selected() ? s.selected()->name : std::string()] {
        NotifyState& st = *out->state;
        auto md = maildir::Maildir::open(st.maildir_root, st.maildir_options);
        if (!md.ok()) {
          out->status = md.status();
          return;
        }
        out->status = notify_snapshot(*md, st.listed);
        if (!out->status.ok()) return;
        std::set<std::string> boxes;
        for (size_t g = 0; g < req.groups.size(); ++g) {
          const NotifyGroup& group = req.groups[g];
          bool message_events = group.events.message_new || group.events.flag_change;
          if (message_events) add_filter_boxes(group, st.listed, named[g], boxes);
        }
        if (boxes.size() > kMaxNotifyMailboxes) {
          out->overflow = true;
          return;
        }
        for (const std::string& name : boxes) {
          auto dir = md->folder_path(name);
          if (!dir.ok()) continue;
          auto w = maildir::Watcher::open(*dir);
          if (!w.ok()) continue;
          NotifyState::Box b;
          b.name = name;
          b.dir = *dir;
          b.watcher = std::make_unique<maildir::Watcher>(std::move(*w));
          b.watcher->clear();
          // The STATUS as it is now: sent for SET STATUS (not for the selected mailbox), and
          // what later changes are compared with.
          auto line = status_response_at(
              b.dir, name, {"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"}, st.names);
          if (line.ok()) {
            b.last_status = *line;
            if (req.status && name != selected_name) out->untagged += *line;
          }
          st.boxes.push_back(std::move(b));
        }
        if (st.list_events) st.root_stamp = notify_root_stamp(st.maildir_root);
      },
      [&s, out, tag = c.tag] {
        if (!out->status.ok()) {
          s.tagged(tag, no_response(out->status));
          return;
        }
        if (out->overflow) {
          s.tagged(tag, "NO [NOTIFICATIONOVERFLOW] Too many mailboxes to watch (at most " +
                            std::to_string(kMaxNotifyMailboxes) + ").");
          return;
        }
        s.set_notify(std::move(out->state));
        if (!out->untagged.empty()) s.conn().send(out->untagged);
        s.tagged(tag, "OK NOTIFY completed.");
      });
}

}  // namespace imap
