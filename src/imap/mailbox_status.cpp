#include "imap/mailbox_status.h"

#include <cctype>

#include "imap/mailbox_names.h"
#include "imap/selected_box.h"
#include "maildir/mailbox.h"
#include "maildir/modseq.h"
#include "maildir/recent.h"

namespace imap {

bool parse_status_items(const Arg& list, std::vector<std::string>& items, std::string& error) {
  if (list.kind != Arg::Kind::kList || list.children.empty()) {
    error = "Invalid STATUS items.";
    return false;
  }
  for (const Arg& a : list.children) {
    if (a.kind != Arg::Kind::kAtom) {
      error = "Invalid STATUS items.";
      return false;
    }
    std::string item;
    for (char ch : a.text) item += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (item != "MESSAGES" && item != "RECENT" && item != "UIDNEXT" && item != "UIDVALIDITY" &&
        item != "UNSEEN" && item != "SIZE" && item != "DELETED" && item != "DELETED-STORAGE" &&
        item != "HIGHESTMODSEQ") {
      error = "Invalid STATUS item " + a.text;
      return false;
    }
    items.push_back(item);
  }
  return true;
}

maildir::Result<std::string> status_response(maildir::Maildir& md, const std::string& name,
                                             const std::vector<std::string>& items,
                                             WireNames names) {
  auto dir = md.folder_path(name);
  if (!dir.ok()) return dir.status();
  return status_response_at(*dir, name, items, names);
}

maildir::Result<std::string> status_response_at(const std::string& folder_dir,
                                                const std::string& name,
                                                const std::vector<std::string>& items,
                                                WireNames names) {
  auto mb = maildir::Mailbox::open(folder_dir);
  if (!mb.ok()) return mb.status();
  uint64_t unseen = 0;
  uint64_t recent = 0;
  uint64_t deleted = 0;
  uint64_t deleted_storage = 0;  // bytes
  // \Recent as a read-only look (maildir/recent.h): what no session has claimed yet.
  std::uint32_t first_recent =
      maildir::recent_boundary(folder_dir, mb->uid_validity(), lowest_new_uid(*mb));
  for (size_t i = 0; i < mb->count(); ++i) {
    if (!mb->flags(i).has(maildir::kFlagSeen)) ++unseen;
    if (mb->record(i).uid >= first_recent) ++recent;
    if (mb->flags(i).has(maildir::kFlagTrashed)) {
      ++deleted;
      auto bytes = mb->size(i);
      if (bytes.ok()) deleted_storage += *bytes;
    }
  }
  uint64_t size = 0;
  bool want_size = false;
  for (const std::string& w : items) want_size = want_size || w == "SIZE";
  if (want_size) {
    bool computed = false;
    for (size_t i = 0; i < mb->count(); ++i) {
      computed = computed || mb->record(i).vsize == maildir::kUnknownSize;
      auto v = mb->vsize(i);
      if (v.ok()) size += *v;  // a file gone meanwhile counts nothing (a sync reports it)
    }
    if (computed) (void)mb->save_index();
  }
  // RFC 7162 HIGHESTMODSEQ: the folder's modseq log, brought in step with the files first.
  uint64_t highest = 0;
  for (const std::string& w : items) {
    if (w != "HIGHESTMODSEQ") continue;
    auto log = maildir::ModseqLog::open(*mb);
    if (!log.ok()) return log.status();
    highest = log->highest();
  }
  std::string body;
  for (const std::string& w : items) {
    // DELETED and DELETED-STORAGE: RFC 9208 4.2 (QUOTA=RES-STORAGE requires the latter).
    uint64_t v = w == "MESSAGES"          ? mb->count()
                 : w == "RECENT"          ? recent
                 : w == "UIDNEXT"         ? mb->uid_next()
                 : w == "UIDVALIDITY"     ? mb->uid_validity()
                 : w == "SIZE"            ? size
                 : w == "DELETED"         ? deleted
                 : w == "DELETED-STORAGE" ? deleted_storage / 1024
                 : w == "HIGHESTMODSEQ"   ? highest
                                          : unseen;
    if (!body.empty()) body += ' ';
    body += w + " " + std::to_string(v);
  }
  return "* STATUS " + mailbox_to_wire(name, names) + " (" + body + ")\r\n";
}

}  // namespace imap
