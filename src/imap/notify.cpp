// NOTIFY (RFC 5465) on the session: watching and sending (notify.h). The Session members
// defined here are declared in session.h.
#include "imap/notify.h"

#include <sys/stat.h>

#include <utility>

#include "imap/fetch_binary.h"
#include "imap/fetch_response.h"
#include "imap/mailbox_status.h"
#include "imap/message_file.h"
#include "imap/selected_box.h"
#include "imap/session.h"
#include "maildir/subscriptions.h"

namespace imap {

namespace {
constexpr std::chrono::milliseconds kNotifyTick{2000};
const std::vector<std::string> kNotifyStatusItems{"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"};

// Drops the `* n FETCH` lines of a sync's updates (no FlagChange wanted).
std::string without_fetch(const std::string& text) {
  std::string out;
  size_t p = 0;
  while (p < text.size()) {
    size_t e = text.find('\n', p);
    e = e == std::string::npos ? text.size() : e + 1;
    std::string_view line(text.data() + p, e - p);
    if (line.find(" FETCH (") == std::string_view::npos) out.append(line);
    p = e;
  }
  return out;
}
}  // namespace

std::string notify_root_stamp(const std::string& root) {
  std::string out;
  for (const std::string& p : {root, root + "/subscriptions"}) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      out += std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "/" +
             std::to_string(st.st_size) + ";";
    } else {
      out += "-;";
    }
  }
  return out;
}

maildir::Status notify_snapshot(const maildir::Maildir& md,
                                std::map<std::string, NotifyState::Listed>& out) {
  // A folder renamed or deleted between the listing and its stat() would be seen without its
  // inode, and a rename then reported as a delete plus a create: list again (a few times).
  constexpr int kAttempts = 5;
  bool consistent = false;
  for (int attempt = 0; attempt < kAttempts && !consistent; ++attempt) {
    out.clear();
    auto folders = md.list_folders();
    if (!folders.ok()) return folders.status();
    consistent = true;
    for (const maildir::FolderInfo& f : *folders) {
      if (!f.exists) continue;
      NotifyState::Listed& l = out[f.name];
      l.exists = true;
      auto dir = md.folder_path(f.name);
      struct stat st {};
      if (dir.ok() && ::stat(dir->c_str(), &st) == 0) {
        l.inode = st.st_ino;
      } else {
        consistent = false;
      }
    }
  }
  if (!consistent) {
    return maildir::Status(maildir::Code::kIo, "folders changed while being listed");
  }
  auto subs = maildir::Subscriptions::load(md.root());
  if (subs.ok()) {
    for (const std::string& n : subs->names()) out[n].subscribed = true;
  }
  return {};
}

std::string notify_list_changes(const std::map<std::string, NotifyState::Listed>& before,
                                const std::map<std::string, NotifyState::Listed>& after, bool names,
                                bool subscriptions, WireNames wire) {
  std::string out;
  auto line = [&](std::string_view attrs, const std::string& name) {
    out += "* LIST (" + std::string(attrs) + ") \"/\" " + mailbox_to_wire(name, wire) + "\r\n";
  };
  static const NotifyState::Listed kNone;
  auto get = [](const std::map<std::string, NotifyState::Listed>& m, const std::string& n) {
    auto it = m.find(n);
    return it == m.end() ? kNone : it->second;
  };
  // Renames: a folder directory (inode) that left one name and appeared under another.
  std::map<std::uint64_t, std::string> gone;  // inode -> old name
  for (const auto& [n, l] : before) {
    if (l.exists && l.inode != 0 && !get(after, n).exists) gone[l.inode] = n;
  }
  std::map<std::string, std::string> renamed;  // new name -> old name
  std::map<std::string, bool> skip;            // old names reported as renamed
  for (const auto& [n, l] : after) {
    if (!l.exists || l.inode == 0 || get(before, n).exists) continue;
    auto it = gone.find(l.inode);
    if (it == gone.end()) continue;
    renamed[n] = it->second;
    skip[it->second] = true;
  }
  std::map<std::string, bool> all;
  for (const auto& [n, l] : before) all[n] = true;
  for (const auto& [n, l] : after) all[n] = true;
  for (const auto& [n, unused] : all) {
    NotifyState::Listed a = get(before, n);
    NotifyState::Listed b = get(after, n);
    if (a.exists == b.exists && a.subscribed == b.subscribed) continue;
    if (names && skip.count(n)) continue;
    bool name_changed = a.exists != b.exists;
    bool sub_changed = a.subscribed != b.subscribed;
    if (!(names && name_changed) && !(subscriptions && sub_changed)) continue;
    std::string attrs;
    if (!b.exists) attrs = "\\NonExistent";
    if (subscriptions && b.subscribed) attrs += attrs.empty() ? "\\Subscribed" : " \\Subscribed";
    auto r = renamed.find(n);
    if (names && r != renamed.end()) {
      out += "* LIST (" + attrs + ") \"/\" " + mailbox_to_wire(n, wire) + " (\"OLDNAME\" (" +
             mailbox_to_wire(r->second, wire) + "))\r\n";
      continue;
    }
    line(attrs, n);
  }
  return out;
}

void Session::set_notify(std::unique_ptr<NotifyState> state) {
  if (notify_) {
    conn_->cancel(notify_->timer);
    for (NotifyState::Box& b : notify_->boxes) {
      if (b.watch != 0) conn_->unwatch(b.watch);
    }
    if (notify_->selected_watch != 0) conn_->unwatch(notify_->selected_watch);
  }
  notify_ = std::move(state);
  if (!notify_) return;
  auto watch = [this](NotifyState::Box& b) {
    if (b.watcher && b.watcher->fd() >= 0) {
      b.watch = conn_->watch_fd(b.watcher->fd(), [this] { notify_wake(); });
    }
  };
  for (NotifyState::Box& b : notify_->boxes) watch(b);
  notify_follow_selected();
  notify_->timer = conn_->after(kNotifyTick, [this] { notify_tick(); });
}

void Session::notify_tick() {
  if (!notify_) return;
  notify_wake();  // asks every watcher (polling ones only find changes this way)
  if (notify_) notify_->timer = conn_->after(kNotifyTick, [this] { notify_tick(); });
}

void Session::notify_follow_selected() {
  if (!notify_ || !notify_->selected) return;
  std::shared_ptr<SelectedBox> box = selected();
  std::string dir = box ? box->mailbox.dir() : std::string();
  if (dir == notify_->selected_dir) return;
  if (notify_->selected_watch != 0) conn_->unwatch(notify_->selected_watch);
  notify_->selected_watch = 0;
  notify_->selected_watcher.reset();
  notify_->selected_dir = dir;
  if (dir.empty()) return;
  auto w = maildir::Watcher::open(dir);  // a few syscalls, as IDLE does on the loop
  if (!w.ok()) return;
  notify_->selected_watcher = std::make_unique<maildir::Watcher>(std::move(*w));
  notify_->selected_watcher->clear();  // the SELECT just synced
  if (notify_->selected_watcher->fd() >= 0) {
    notify_->selected_watch =
        conn_->watch_fd(notify_->selected_watcher->fd(), [this] { notify_wake(); });
  }
}

void Session::notify_wake() {
  if (!notify_) return;
  if (busy_ || sasl_ || notify_->running || conn_->closing()) {
    notify_->pending = true;
    return;
  }
  notify_->pending = false;
  NotifyState& n = *notify_;
  // Ask every watcher (drains the inotify fds, which the loop polls level-triggered).
  if (n.selected_watcher && n.selected_watcher->dirty()) n.selected_dirty = true;
  bool any = n.selected_dirty && !idle_;  // during IDLE the selected folder is IDLE's
  for (NotifyState::Box& b : n.boxes) {
    if (b.watcher && b.watcher->dirty()) b.dirty = true;
    any = any || b.dirty;
  }
  if (n.list_events) {
    std::string stamp = notify_root_stamp(n.maildir_root);
    if (stamp != n.root_stamp) {
      n.root_stamp = std::move(stamp);
      n.root_dirty = true;
    }
  }
  any = any || n.root_dirty;
  if (!any) return;
  // What this run looks at; clear() right before the work (a change meanwhile marks again).
  std::shared_ptr<SelectedBox> box = (n.selected_dirty && !idle_) ? selected() : nullptr;
  if (box) {
    n.selected_watcher->clear();
    n.selected_dirty = false;
  }
  std::vector<std::pair<std::string, std::string>> boxes;  // name, dir
  std::string selected_name = selected() ? selected()->name : std::string();
  for (NotifyState::Box& b : n.boxes) {
    if (!b.dirty) continue;
    b.watcher->clear();
    b.dirty = false;
    if (b.name != selected_name) boxes.emplace_back(b.name, b.dir);
  }
  bool root = n.root_dirty;
  n.root_dirty = false;
  n.running = true;
  auto text = std::make_shared<std::string>();
  // STATUS lines per watched mailbox (name, line), sent only when they differ from the last.
  auto statuses = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  auto fetched = std::make_shared<FetchOutput>();  // MessageNew (fetch-att)
  auto listed = std::make_shared<std::map<std::string, NotifyState::Listed>>(n.listed);
  blocking(
      [box, boxes, root, listed, text, statuses, fetched, items = n.new_items,
       delayed = n.selected_delayed, flags = n.selected_events.flag_change, names = n.names,
       list_names = n.list_names, list_subs = n.list_subscriptions, mroot = n.maildir_root,
       mo = n.maildir_options] {
        if (box) {
          std::uint32_t last = box->client_uids.empty() ? 0 : box->client_uids.back();
          auto u = sync_updates(*box, !delayed);
          if (u.ok()) *text += flags ? *u : without_fetch(*u);
          if (u.ok() && !items.empty()) {
            fetched->text(*text);
            text->clear();
            for (std::uint32_t uid : box->client_uids) {
              if (uid <= last) continue;
              auto i = box->mailbox.find_uid(uid);
              if (i) (void)fetch_message(*box, *i, seq_of(*box, uid), items, false, *fetched);
            }
          }
        }
        if (boxes.empty() && !root) return;
        auto md = maildir::Maildir::open(mroot, mo);
        if (!md.ok()) return;
        for (const auto& [name, dir] : boxes) {
          auto line = status_response_at(dir, name, kNotifyStatusItems, names);
          if (line.ok()) statuses->emplace_back(name, *line);
        }
        if (root) {
          std::map<std::string, NotifyState::Listed> now;
          if (notify_snapshot(*md, now).ok()) {
            *text += notify_list_changes(*listed, now, list_names, list_subs, names);
            *listed = std::move(now);
          }
        }
      },
      [this, text, listed, statuses, fetched] {
        if (!notify_) return;
        notify_->listed = std::move(*listed);
        for (const auto& [name, line] : *statuses) {
          for (NotifyState::Box& b : notify_->boxes) {
            if (b.name != name || b.last_status == line) continue;
            b.last_status = line;
            *text += line;
          }
        }
        notify_->running = false;
        for (FetchOutput::Piece& p : fetched->pieces) {
          if (!p.file) {
            conn_->send(std::move(p.text));
          } else if (!p.encoding.empty()) {
            conn_->send(decoded_source(std::move(p.file), p.offset, p.length, std::move(p.encoding),
                                       p.window));
          } else {
            conn_->send(window_source(std::move(p.file), p.offset, p.length, p.window));
          }
        }
        if (!text->empty()) conn_->send(*text);
      });
}

}  // namespace imap
