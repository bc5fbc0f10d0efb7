// NOTIFY (RFC 5465): what a session watches after `NOTIFY SET` and the untagged responses it
// sends between commands (and during IDLE) when something changes.
//
// - SELECTED / SELECTED-DELAYED events: the selected folder's maildir::Watcher (as IDLE's)
//   wakes the session; when no command runs, the folder is synced on a worker and
//   `* n EXISTS` / `* n EXPUNGE` / `* n FETCH (FLAGS ...)` go out at once (SELECTED-DELAYED:
//   EXPUNGE waits for a command that may report it, RFC 5465 5.3). MessageNew (fetch-att):
//   each new message's `* n FETCH (...)` follows the EXISTS, every body item as its PEEK
//   form (a notification never sets \Seen), big sections streamed as FETCH streams them.
//   Without FlagChange no
//   FETCH lines, without MessageNew/MessageExpunge no sync at all between commands.
// - Other mailboxes (INBOXES = INBOX, PERSONAL = every folder, SUBSCRIBED, SUBTREE,
//   MAILBOXES) with message events: one Watcher each; a change sends
//   `* STATUS name (MESSAGES n UIDNEXT n UIDVALIDITY n UNSEEN n)`. At most
//   kMaxNotifyMailboxes of them per session: more is `NO [NOTIFICATIONOVERFLOW]` and the
//   previous setup stays. Each Watcher holds an inotify instance; beyond the kernel's limit
//   they poll (2 s), as IDLE does.
// - MailboxName / SubscriptionChange (any mailbox-list filter): the Maildir root's entries
//   and subscriptions file are checked (stat) at every wake and every 2 s;
//   a change is compared with the folder list and subscriptions seen before and sent as
//   `* LIST () "/" name` (new, or unsubscribed), `* LIST (\NonExistent) "/" name` (gone),
//   `* LIST (\Subscribed) "/" name` (subscribed); a folder whose directory (inode) now has
//   another name is a rename: `* LIST () "/" new ("OLDNAME" (old))` (RFC 5465 5.4), as
//   Dovecot sends it.
// - `NOTIFY SET STATUS` sends the STATUS of every watched mailbox at once.
// Changes noticed while a command runs are sent after it. Loop thread only (Session).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "imap/fetch_items.h"
#include "imap/mailbox_names.h"
#include "imap/notify_request.h"
#include "maildir/maildir.h"
#include "maildir/watcher.h"
#include "net/connection.h"

namespace imap {

inline constexpr std::size_t kMaxNotifyMailboxes = 64;

struct NotifyState {
  struct Box {
    std::string name;  // API name
    std::string dir;
    std::unique_ptr<maildir::Watcher> watcher;
    net::Connection::WatchId watch = 0;
    bool dirty = false;
    std::string last_status;  // the STATUS line last sent (or seen at SET): sent only if new
  };
  // Selected-mailbox events (none: RFC 3501 behaviour).
  bool selected = false;
  bool selected_delayed = false;
  NotifyEvents selected_events;
  std::vector<FetchItem> new_items;  // MessageNew (fetch-att): sent for each new message
  std::unique_ptr<maildir::Watcher> selected_watcher;
  net::Connection::WatchId selected_watch = 0;
  std::string selected_dir;  // the folder selected_watcher watches
  bool selected_dirty = false;
  // Other mailboxes with message events.
  std::vector<Box> boxes;
  // Mailbox-list events.
  bool list_events = false;
  bool list_names = false;          // MailboxName
  bool list_subscriptions = false;  // SubscriptionChange
  // The Maildir root's directory entries and its subscriptions file, as (mtime, size) text;
  // compared at every wake and tick (two stat calls), since a folder's Watcher ignores
  // entries other than new/, cur/ and the Dovecot files.
  std::string root_stamp;
  bool root_dirty = false;
  struct Listed {
    bool exists = false;  // a selectable folder
    bool subscribed = false;
    std::uint64_t inode = 0;  // the folder directory's (a RENAME keeps it: OLDNAME)
    bool operator==(const Listed& o) const {
      return exists == o.exists && subscribed == o.subscribed && inode == o.inode;
    }
  };
  std::map<std::string, Listed> listed;  // the folder list as last reported
  std::string maildir_root;
  maildir::MaildirOptions maildir_options;
  WireNames names = WireNames::kMutf7;
  net::Connection::TimerId timer = 0;
  bool running = false;  // a notification sync runs on a worker
  bool pending = false;  // woken meanwhile
};

}  // namespace imap

namespace imap {

// "<mtime ns>/<size>" of the root directory and of its subscriptions file. Blocking (2 stats).
std::string notify_root_stamp(const std::string& root);

// The folder list and subscriptions of a Maildir as NotifyState::listed holds them. Blocking.
maildir::Status notify_snapshot(const maildir::Maildir& md,
                                std::map<std::string, NotifyState::Listed>& out);

// The LIST lines that tell a client how `before` became `after` (MailboxName and/or
// SubscriptionChange). Pure.
std::string notify_list_changes(const std::map<std::string, NotifyState::Listed>& before,
                                const std::map<std::string, NotifyState::Listed>& after, bool names,
                                bool subscriptions, WireNames wire);

}  // namespace imap
