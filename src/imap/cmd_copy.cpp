// COPY, MOVE (RFC 6851) and their UID forms, answering COPYUID (UIDPLUS, RFC 4315).
#include <memory>

#include "imap/command_table.h"
#include "imap/mailbox_names.h"
#include "imap/response_code.h"
#include "imap/search_result.h"
#include "imap/selected_box.h"
#include "imap/session.h"
#include "imap/user_storage.h"
#include "maildir/maildir.h"

namespace imap {

namespace {

std::string uid_ranges(const std::vector<std::uint32_t>& uids) {
  std::string s;
  for (size_t i = 0; i < uids.size();) {
    size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(uids[i]);
    if (j > i) s += ":" + std::to_string(uids[j]);
    i = j + 1;
  }
  return s;
}

}  // namespace

void cmd_copy(Session& s, Command& c) {
  bool uid = c.name.rfind("UID ", 0) == 0;
  bool move = c.name.size() >= 4 && c.name.substr(c.name.size() - 4) == "MOVE";
  std::optional<SequenceSet> set;
  if (!(set = sequence_set_arg(*s.selected(), c.args[0], uid))) {
    s.bad(c.tag, "Invalid sequence set.");
    return;
  }
  auto target = mailbox_from_wire(c.args[1], s.wire_names());
  if (!target.ok()) {
    s.tagged(c.tag, no_response(target.status()));
    return;
  }
  std::shared_ptr<SelectedBox> box = s.selected();
  std::vector<size_t> idx;
  if (!resolve_set(*box, *set, uid, idx)) {
    s.bad(c.tag, "Invalid sequence number.");
    return;
  }
  if (move && box->read_only) {
    s.tagged(c.tag, read_only_refusal(*s.selected()));
    return;
  }
  std::string root = s.identity().maildir_path;
  std::string tag = c.tag;
  // The tagged OK carries COPYUID; for MOVE it goes in an untagged OK before the EXPUNGEs.
  run_selected(s, tag, move ? "Move completed." : "Copy completed.", true,
               [set = *set, uid, move, root, name = *target,
                mo = maildir_options(*s.options().config)](SelectedBox& b, SelectedReply& reply) {
                 std::vector<size_t> idx;
                 if (!resolve_set(b, set, uid, idx)) return maildir::Status();
                 auto md = maildir::Maildir::open(root, mo);
                 if (!md.ok()) return md.status();
                 auto dir = md->folder_path(name);
                 if (!dir.ok()) {
                   reply.target = true;
                   return dir.status();
                 }
                 std::vector<std::uint32_t> uids;
                 for (size_t i : idx) uids.push_back(b.mailbox.record(i).uid);
                 if (uids.empty()) return maildir::Status();
                 auto r = move ? b.mailbox.move_to(uids, *dir) : b.mailbox.copy_to(uids, *dir);
                 if (!r.ok()) return r.status();
                 std::vector<std::uint32_t> src;
                 std::vector<std::uint32_t> dst;
                 for (const maildir::UidMapping& m : r->mapping) {
                   src.push_back(m.source_uid);
                   dst.push_back(m.target_uid);
                 }
                 std::string code = "COPYUID " + std::to_string(r->target_uidvalidity) + " " +
                                    uid_ranges(src) + " " + uid_ranges(dst);
                 if (move) {
                   // RFC 6851: COPYUID in an untagged OK before the EXPUNGEs.
                   reply.untagged += "* OK [" + code + "] Moved UIDs.\r\n";
                 } else {
                   reply.ok_code = code;
                 }
                 return maildir::Status();
               });
}

}  // namespace imap
