// FETCH and UID FETCH. The answer is built on a worker thread (file reads, \Seen updates);
// bodies are sent with CRLF line ends as literals.
// Not yet: ENVELOPE, BODYSTRUCTURE, BODY[n.MIME] (they wait for src/mime); bodies are read
// into memory per message rather than streamed from the file.
#include <time.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "imap/command_table.h"
#include "imap/fetch_items.h"
#include "imap/message_text.h"
#include "imap/response_code.h"
#include "imap/selected_box.h"
#include "imap/session.h"

namespace imap {

namespace {

std::string internal_date(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%e-%b-%Y %H:%M:%S +0000", &tm);
  return std::string("\"") + buf + "\"";
}

maildir::Result<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return maildir::Status(maildir::Code::kNotFound, "message vanished");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string body_of(const FetchItem& item, const std::string& crlf) {
  size_t hl = header_length(crlf);
  std::string part;
  switch (item.section) {
    case FetchItem::Section::kAll:
      part = crlf;
      break;
    case FetchItem::Section::kHeader:
      part = crlf.substr(0, hl);
      break;
    case FetchItem::Section::kText:
      part = crlf.substr(hl);
      break;
    case FetchItem::Section::kHeaderFields:
    case FetchItem::Section::kHeaderFieldsNot:
      part = header_fields(std::string_view(crlf).substr(0, hl), item.fields,
                           item.section == FetchItem::Section::kHeaderFieldsNot);
      break;
  }
  if (item.offset) {
    if (*item.offset >= part.size()) return "";
    part = part.substr(*item.offset, item.length);
  }
  return part;
}

}  // namespace

void cmd_fetch(Session& s, Command& c) {
  bool uid = c.name == "UID FETCH";
  std::optional<SequenceSet> set;
  if (c.args[0].kind != Arg::Kind::kAtom || !(set = parse_sequence_set(c.args[0].text))) {
    s.bad(c.tag, "Invalid sequence set.");
    return;
  }
  std::string error;
  auto items = parse_fetch_items(c.args[1], uid, error);
  if (!items) {
    s.bad(c.tag, "Error in FETCH: " + error);
    return;
  }
  std::shared_ptr<SelectedBox> box = s.selected();
  std::vector<size_t> idx;
  if (!resolve_set(*box, *set, uid, idx)) {
    s.bad(c.tag, "Error in FETCH: invalid sequence number.");
    return;
  }
  bool sets_seen = false;
  for (const FetchItem& i : *items)
    sets_seen = sets_seen || (i.kind == FetchItem::Kind::kBody && !i.peek);
  sets_seen = sets_seen && !box->read_only;
  auto wanted = std::make_shared<std::vector<FetchItem>>(std::move(*items));
  run_selected(s, c.tag, uid ? "Fetch completed." : "Fetch completed.", false,
               [set = *set, uid, wanted, sets_seen](SelectedBox& b,
                                                    SelectedReply& reply) -> maildir::Status {
                 std::vector<size_t> idx;
                 if (!resolve_set(b, set, uid, idx)) return {};
                 maildir::Mailbox& mb = b.mailbox;
                 std::vector<std::uint32_t> uids;
                 for (size_t i : idx) uids.push_back(mb.record(i).uid);
                 std::vector<std::uint32_t> newly_seen;
                 if (sets_seen) {
                   for (size_t i : idx) {
                     if (!mb.flags(i).has(maildir::kFlagSeen))
                       newly_seen.push_back(mb.record(i).uid);
                   }
                   if (!newly_seen.empty()) {
                     maildir::FlagStore st;
                     st.mode = maildir::StoreMode::kAdd;
                     st.system = maildir::kFlagSeen;
                     auto r = mb.store(newly_seen, st);
                     if (!r.ok()) return r.status();
                   }
                 }
                 for (std::uint32_t u : uids) {
                   auto i = mb.find_uid(u);
                   if (!i) continue;
                   std::uint32_t seq = seq_of(b, u);
                   if (seq == 0) continue;
                   std::string line = "* " + std::to_string(seq) + " FETCH (";
                   bool first = true;
                   bool flags_sent = false;
                   std::string crlf;
                   bool loaded = false;
                   bool vanished = false;
                   for (const FetchItem& it : *wanted) {
                     if (!first) line += ' ';
                     first = false;
                     switch (it.kind) {
                       case FetchItem::Kind::kFlags:
                         line += "FLAGS " + flags_list(mb, *i);
                         flags_sent = true;
                         break;
                       case FetchItem::Kind::kUid:
                         line += "UID " + std::to_string(u);
                         break;
                       case FetchItem::Kind::kInternalDate: {
                         auto d = mb.internal_date(*i);
                         if (!d.ok()) {
                           if (d.status().code() != maildir::Code::kNotFound) return d.status();
                           vanished = true;
                           break;
                         }
                         line += "INTERNALDATE " + internal_date(*d);
                         break;
                       }
                       case FetchItem::Kind::kRfc822Size: {
                         auto v = mb.vsize(*i);
                         if (!v.ok()) {
                           if (v.status().code() != maildir::Code::kNotFound) return v.status();
                           vanished = true;
                           break;
                         }
                         line += "RFC822.SIZE " + std::to_string(*v);
                         break;
                       }
                       case FetchItem::Kind::kBody: {
                         if (!loaded) {
                           auto data = read_file(mb.path(*i));
                           if (!data.ok()) {
                             // The file vanished (expunged elsewhere, not yet reported): leave the
                             // message out.
                             if (data.status().code() != maildir::Code::kNotFound)
                               return data.status();
                             vanished = true;
                             break;
                           }
                           crlf = to_crlf(*data);
                           loaded = true;
                         }
                         std::string part = body_of(it, crlf);
                         line +=
                             it.response_name + " {" + std::to_string(part.size()) + "}\r\n" + part;
                         break;
                       }
                       default:
                         break;
                     }
                     if (vanished) break;
                   }
                   if (vanished) continue;
                   bool seen_now = std::binary_search(newly_seen.begin(), newly_seen.end(), u);
                   if (seen_now && !flags_sent) line += " FLAGS " + flags_list(mb, *i);
                   line += ")\r\n";
                   reply.untagged += line;
                 }
                 return {};
               });
}

}  // namespace imap
