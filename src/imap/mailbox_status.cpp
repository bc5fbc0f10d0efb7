#include "imap/mailbox_status.h"

#include <cctype>

#include "imap/mailbox_names.h"
#include "maildir/mailbox.h"

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
        item != "UNSEEN" && item != "SIZE") {
      error = "Invalid STATUS item " + a.text;
      return false;
    }
    items.push_back(item);
  }
  return true;
}

maildir::Result<std::string> status_response(maildir::Maildir& md, const std::string& name,
                                             const std::vector<std::string>& items) {
  auto dir = md.folder_path(name);
  if (!dir.ok()) return dir.status();
  auto mb = maildir::Mailbox::open(*dir);
  if (!mb.ok()) return mb.status();
  uint64_t unseen = 0;
  uint64_t recent = 0;
  for (size_t i = 0; i < mb->count(); ++i) {
    if (!mb->flags(i).has(maildir::kFlagSeen)) ++unseen;
    if (mb->record(i).dir == maildir::MessageDir::kNew) ++recent;
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
  std::string body;
  for (const std::string& w : items) {
    uint64_t v = w == "MESSAGES"      ? mb->count()
                 : w == "RECENT"      ? recent
                 : w == "UIDNEXT"     ? mb->uid_next()
                 : w == "UIDVALIDITY" ? mb->uid_validity()
                 : w == "SIZE"        ? size
                                      : unseen;
    if (!body.empty()) body += ' ';
    body += w + " " + std::to_string(v);
  }
  return "* STATUS " + mailbox_to_wire(name) + " (" + body + ")\r\n";
}

}  // namespace imap
