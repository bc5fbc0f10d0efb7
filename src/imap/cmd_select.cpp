// SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE, CHECK, and NOOP's mailbox updates in the selected
// state. The mailbox is opened and synced on a worker thread; the session keeps it in a
// SelectedBox (selected_box.h).
#include <filesystem>
#include <memory>
#include <optional>

#include "imap/command_table.h"
#include "imap/condstore.h"
#include "imap/mailbox_names.h"
#include "imap/response_code.h"
#include "imap/search_result.h"
#include "imap/selected_box.h"
#include "imap/session.h"
#include "imap/shared_archive.h"
#include "imap/user_storage.h"
#include "maildir/maildir.h"

namespace imap {

namespace {

struct SelectOutcome {
  maildir::Status status;
  std::shared_ptr<SelectedBox> box;
  std::string untagged;
};

}  // namespace

void run_selected(Session& s, std::string tag, std::string ok_text, bool allow_expunge,
                  std::function<maildir::Status(SelectedBox&, SelectedReply&)> work) {
  std::shared_ptr<SelectedBox> box = s.selected();
  auto status = std::make_shared<maildir::Status>();
  auto reply = std::make_shared<SelectedReply>();
  auto text = std::make_shared<std::string>();
  s.blocking(
      [box, status, reply, text, allow_expunge, work] {
        *status = work(*box, *reply);
        auto updates = sync_updates(*box, allow_expunge);
        if (updates.ok()) {
          // The command's own lines use the sequence numbers from before this sync; the
          // updates that follow renumber (RFC 3501 7.4.1).
          *text = reply->untagged + *updates;
        } else if (status->ok()) {
          *status = updates.status();
        }
      },
      [&s, status, reply, text, tag, ok_text] {
        s.conn().send(*text);
        if (!status->ok()) {
          s.tagged(tag, no_response(*status, reply->target));
        } else if (!reply->ok_code.empty()) {
          s.tagged(tag, "OK [" + reply->ok_code + "] " + ok_text);
        } else {
          s.tagged(tag, "OK " + ok_text);
        }
      });
}

void cmd_select(Session& s, Command& c) {
  bool examine = c.name == "EXAMINE";
  // IMAP4rev2 (RFC 9051 6.3.2, rev2 notes in docs/imap.md): no RECENT, no UNSEEN code; a LIST
  // line with the name. [CLOSED] below is sent to every client (QRESYNC is offered).
  const bool rev2 = s.enabled().imap4rev2;
  const bool was_selected = s.selected() != nullptr;
  // A list archive in the shared namespace (shared_archive.h): always read-only.
  std::optional<SharedArchive> shared =
      find_shared_archive(c.args[0], *s.options().config, s.identity());
  if (shared) {
    tegami::login::Identity id = s.identity();
    s.state() = Authenticated{id};
    if (shared->dir.empty()) {
      s.tagged(c.tag, "NO [NONEXISTENT] Mailbox doesn't exist");
      return;
    }
    examine = true;
  }
  auto name = shared ? maildir::Result<std::string>(shared->name)
                     : mailbox_from_wire(c.args[0], s.wire_names());
  if (!name.ok()) {
    if (!c.args[0].is_astring()) {
      s.bad(c.tag, "Invalid mailbox name.");
    } else {
      s.tagged(c.tag, no_response(name.status()));
    }
    return;
  }
  // RFC 7162: (CONDSTORE) or (QRESYNC (...)) parameters.
  SelectModseqParams mp;
  if (c.args.size() > 1) {
    std::string error;
    if (!parse_select_params(c.args[1], s.modseq_mode().qresync, mp, error)) {
      s.bad(c.tag, error);
      return;
    }
    if (mp.condstore) enable_condstore(s);
  }
  // RFC 3501: a SELECT first deselects the current mailbox, even if the new one fails;
  // RFC 7162 3.2.11: a server offering QRESYNC says so with [CLOSED].
  if (was_selected) s.untagged("OK [CLOSED] Previous mailbox is now closed.");
  tegami::login::Identity id = s.identity();
  s.state() = Authenticated{id};
  auto out = std::make_shared<SelectOutcome>();
  std::string root = id.maildir_path;
  std::string mailbox = *name;
  maildir::MailboxOptions mo;
  mo.quota = quota_options(id, *s.options().config);
  mo.quota_policy = quota_policy(id);
  s.blocking(
      [out, root, mailbox, examine, mo, rev2, names = s.wire_names(), mp, mode = s.modseq_mode(),
       dmo = maildir_options(*s.options().config),
       shared_dir = shared ? shared->dir : std::string()] {
        std::string dir;
        if (!shared_dir.empty()) {
          // The archive exists from the list's first post; until then it is empty.
          std::error_code ec;
          for (const char* sub : {"/cur", "/new", "/tmp"}) {
            std::filesystem::create_directories(shared_dir + sub, ec);
          }
          dir = shared_dir;
        } else {
          auto md = maildir::Maildir::open(root, dmo);
          if (!md.ok()) {
            out->status = md.status();
            return;
          }
          auto path = md->folder_path(mailbox);
          if (!path.ok()) {
            out->status = path.status();
            return;
          }
          dir = *path;
        }
        auto mb = maildir::Mailbox::open(dir, shared_dir.empty() ? mo : maildir::MailboxOptions{});
        if (!mb.ok()) {
          out->status = mb.status();
          return;
        }
        // Before new/ is emptied: where the recent UIDs start if the folder has no record.
        std::uint32_t fallback = lowest_new_uid(*mb);
        if (!examine) {
          maildir::SyncOptions so;
          so.move_new_to_cur = true;
          auto ch = mb->sync(so);
          if (!ch.ok()) {
            out->status = ch.status();
            return;
          }
        }
        auto box = std::make_shared<SelectedBox>(SelectedBox{std::move(*mb), {}, examine, mailbox});
        box->shared = !shared_dir.empty();
        box->rev2 = rev2;
        box->condstore = mode.condstore;
        box->qresync = mode.qresync;
        maildir::Mailbox& m = box->mailbox;
        // The client's sequence map: the shared snapshot's UIDs when the view is shared.
        if (auto shared_uids = m.shared_uids()) {
          box->client_uids.assign_shared(std::move(shared_uids));
        } else {
          std::vector<std::uint32_t> all;
          all.reserve(m.count());
          for (size_t i = 0; i < m.count(); ++i) all.push_back(m.record(i).uid);
          box->client_uids = std::move(all);
        }
        // claimed as ever, only not shown under rev2
        take_recent(*box, box->client_uids.get(), fallback);
        size_t recent = box->recent.size();
        size_t first_unseen = 0;
        for (size_t i = 0; i < m.count() && first_unseen == 0; ++i) {
          if (!m.flags(i).has(maildir::kFlagSeen)) first_unseen = i + 1;
        }
        std::string flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
        for (int k = 0; k < m.keywords().count(); ++k) {
          auto kw = m.keywords().name(k);
          if (kw) flags += " " + std::string(*kw);
        }
        std::string& u = out->untagged;
        u += "* FLAGS (" + flags + ")\r\n";
        u += examine ? "* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n"
                     : "* OK [PERMANENTFLAGS (" + flags + " \\*)] Flags permitted.\r\n";
        u += "* " + std::to_string(m.count()) + " EXISTS\r\n";
        if (!rev2) u += "* " + std::to_string(recent) + " RECENT\r\n";
        if (first_unseen && !rev2) {
          u += "* OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen.\r\n";
        }
        u += "* OK [UIDVALIDITY " + std::to_string(m.uid_validity()) + "] UIDs valid\r\n";
        u += "* OK [UIDNEXT " + std::to_string(m.uid_next()) + "] Predicted next UID\r\n";
        std::string highest, resync;
        out->status = select_modseq(*box, mp, highest, resync);
        if (!out->status.ok()) return;
        u += highest + resync;
        if (rev2) u += "* LIST () \"/\" " + mailbox_to_wire(mailbox, names) + "\r\n";
        out->box = std::move(box);
      },
      [&s, out, id, tag = c.tag, examine] {
        if (!out->status.ok()) {
          s.tagged(tag, no_response(out->status));
          return;
        }
        s.conn().send(out->untagged);
        s.state() = Selected{id, out->box};
        s.tagged(tag, examine ? "OK [READ-ONLY] Examine completed."
                              : "OK [READ-WRITE] Select completed.");
      });
}

void cmd_unselect(Session& s, Command& c) {
  bool close = c.name == "CLOSE";
  std::shared_ptr<SelectedBox> box = s.selected();
  tegami::login::Identity id = s.identity();
  s.state() = Authenticated{id};
  if (!close || box->read_only) {
    s.tagged(c.tag, close ? "OK Close completed." : "OK Unselect completed.");
    return;
  }
  // CLOSE expunges \Deleted messages silently.
  auto status = std::make_shared<maildir::Status>();
  s.blocking(
      [box, status] {
        std::vector<std::uint32_t> uids;
        for (size_t i = 0; i < box->mailbox.count(); ++i) {
          if (box->mailbox.flags(i).has(maildir::kFlagTrashed)) {
            uids.push_back(box->mailbox.record(i).uid);
          }
        }
        if (!uids.empty()) {
          auto r = box->mailbox.expunge(uids);
          if (!r.ok()) *status = r.status();
        }
      },
      [&s, status, tag = c.tag] {
        s.tagged(tag, status->ok() ? "OK Close completed." : no_response(*status));
      });
}

void cmd_expunge(Session& s, Command& c) {
  bool uid = c.name == "UID EXPUNGE";
  std::optional<SequenceSet> set;
  if (uid) {
    if (c.args.size() != 1 || !(set = sequence_set_arg(*s.selected(), c.args[0], true))) {
      s.bad(c.tag, "Invalid UID set.");
      return;
    }
  }
  if (s.selected()->read_only) {
    s.tagged(c.tag, read_only_refusal(*s.selected()));
    return;
  }
  run_selected(s, c.tag, "Expunge completed.", true,
               [set](SelectedBox& box, SelectedReply& reply) -> maildir::Status {
                 // RFC 7162 3.2.10: with CONDSTORE the OK carries the new HIGHESTMODSEQ.
                 auto highest = [&box, &reply] {
                   if (!box.condstore || !ensure_modseq(box).ok()) return;
                   reply.ok_code = "HIGHESTMODSEQ " + std::to_string(box.modseq->highest());
                 };
                 std::vector<std::uint32_t> uids;
                 std::uint32_t largest =
                     box.mailbox.count() ? box.mailbox.record(box.mailbox.count() - 1).uid : 0;
                 for (size_t i = 0; i < box.mailbox.count(); ++i) {
                   std::uint32_t u = box.mailbox.record(i).uid;
                   if (!box.mailbox.flags(i).has(maildir::kFlagTrashed)) continue;
                   if (set && !set->contains(u, largest)) continue;
                   uids.push_back(u);
                 }
                 if (uids.empty()) {
                   highest();
                   return {};
                 }
                 auto r = box.mailbox.expunge(uids);
                 if (!r.ok()) return r.status();
                 note_expunged(box, *r);
                 highest();
                 return {};
               });
}

void cmd_check(Session& s, Command& c) {
  if (!s.selected()) {
    s.tagged(c.tag, c.name == "NOOP" ? "OK NOOP completed." : "OK Check completed.");
    return;
  }
  run_selected(s, c.tag, c.name == "NOOP" ? "NOOP completed." : "Check completed.", true,
               [](SelectedBox&, SelectedReply&) { return maildir::Status(); });
}

}  // namespace imap
