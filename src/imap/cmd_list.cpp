// LIST with the extensions of RFC 5258 (LIST-EXTENDED), RFC 5819 (LIST-STATUS) and RFC 6154
// (SPECIAL-USE), and CREATE ... (USE (...)) (CREATE-SPECIAL-USE).
//
//   LIST [(<selection options>)] <reference> <pattern | (<pattern> ...)>
//        [RETURN (<return options>)]
// Selection: SUBSCRIBED, REMOTE (no remote mailboxes exist: no effect), RECURSIVEMATCH (only
// with another selection option), SPECIAL-USE. Return: SUBSCRIBED, CHILDREN, SPECIAL-USE,
// STATUS (<items>). Unknown options are BAD. A plain RFC 3501 LIST always gives
// \HasChildren/\HasNoChildren, \Subscribed and special-use attributes (as before); the extended
// form gives children and \Subscribed only when asked for (RETURN (CHILDREN), RETURN
// (SUBSCRIBED) or the SUBSCRIBED selection), as Dovecot does, special-use attributes always
// (Dovecot: only when asked for), and says
// \NonExistent for a name without a folder (a subscribed name, a parent implied by a child).
// RECURSIVEMATCH: a matching folder that is not selected itself but has a selected
// descendant is listed with ("CHILDINFO" ("SUBSCRIBED")) (RFC 5258 section 3.5).
// LIST-STATUS: "* STATUS" follows the LIST line of each selectable folder.
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>

#include "imap/command_table.h"
#include "imap/list_request.h"
#include "imap/mailbox_names.h"
#include "imap/mailbox_status.h"
#include "imap/response_code.h"
#include "imap/session.h"
#include "imap/shared_archive.h"
#include "imap/special_use.h"
#include "imap/user_storage.h"
#include "maildir/maildir.h"
#include "maildir/mutf7.h"
#include "maildir/subscriptions.h"

namespace imap {

namespace {

std::string upper(std::string_view s) {
  std::string out;
  for (char ch : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

struct Entry {
  bool exists = false;  // a folder (maybe only implied by children)
  bool selectable = false;
  bool has_children = false;
  bool subscribed = false;
};

// Builds the untagged lines; blocking.
maildir::Status run_list(maildir::Maildir& md, const ListRequest& r,
                         const tegami::config::ImapConfig& names, std::string& out) {
  auto folders = md.list_folders();
  if (!folders.ok()) return folders.status();
  auto subs = maildir::Subscriptions::load(md.root());
  auto su = SpecialUseMap::load(md.root());
  SpecialUseMap uses = su.ok() ? std::move(*su) : SpecialUseMap();
  uses.use_names(names);
  std::map<std::string, Entry> all;  // sorted: parents before children
  for (const maildir::FolderInfo& f : *folders) {
    Entry& e = all[f.name];
    e.exists = true;
    e.selectable = f.exists;
    e.has_children = f.has_children;
  }
  if (subs.ok()) {
    for (const std::string& n : subs->names()) all[n].subscribed = true;
  }
  auto selected = [&](const std::string& name, const Entry& e) {
    if (r.sel_subscribed && !e.subscribed) return false;
    if (r.sel_special_use && (!e.exists || uses.attribute(name).empty())) return false;
    if (!r.sel_subscribed && !e.exists) return false;
    return true;
  };
  for (const auto& [name, e] : all) {
    bool match = list_request_matches(r, name);
    if (!match) continue;
    bool sel = selected(name, e);
    bool childinfo = false;
    if (r.recursive) {
      std::string prefix = name + "/";
      for (auto it = all.upper_bound(name); it != all.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) {
          if (it->first > prefix) break;
          continue;
        }
        if (selected(it->first, it->second)) {
          childinfo = true;
          break;
        }
      }
    }
    if (!sel && !childinfo) continue;
    std::string attrs;
    auto add = [&attrs](std::string_view a) {
      if (!attrs.empty()) attrs += ' ';
      attrs += a;
    };
    std::string_view use = e.exists ? uses.attribute(name) : std::string_view();
    if (!r.extended) {
      // RFC 3501 LIST as before: children and special-use always (CHILDREN, SPECIAL-USE).
      if (!e.selectable) add(r.rev2 ? "\\NonExistent" : "\\Noselect");
      add(e.has_children ? "\\HasChildren" : "\\HasNoChildren");
      if (e.subscribed) add("\\Subscribed");
      if (!use.empty()) add(use);
    } else {
      // Extended: what was asked for (RFC 5258 section 3.4; the attributes Dovecot sends).
      if ((r.ret_subscribed || r.sel_subscribed) && e.subscribed) add("\\Subscribed");
      if (!e.exists || !e.selectable) add("\\NonExistent");
      if (r.ret_children) add(e.has_children ? "\\HasChildren" : "\\HasNoChildren");
      // Special-use attributes always (RFC 6154 allows it; clients that do not ask still
      // find their Sent/Drafts folders). Dovecot gives them only when asked for.
      if (!use.empty()) add(use);
    }
    out += "* LIST (" + attrs + ") \"/\" " + mailbox_to_wire(name, r.names);
    if (childinfo) {
      out += r.sel_subscribed ? " (\"CHILDINFO\" (\"SUBSCRIBED\"))" : " (\"CHILDINFO\" ())";
    }
    out += "\r\n";
    if (r.ret_status && sel && e.exists && e.selectable) {
      auto line = status_response(md, name, r.status_items, r.names);
      if (line.ok()) out += *line;  // a folder deleted meanwhile just has no STATUS
    }
  }
  return {};
}

// The shared namespace's entries (shared_archive.h): "shared" itself (\Noselect, as Dovecot)
// and the list archives this user may read. Not subscribable and no special use, so the
// SUBSCRIBED and SPECIAL-USE selections skip them.
void list_shared(const std::vector<SharedArchive>& archives, const ListRequest& r,
                 std::string& out) {
  if (archives.empty() || r.sel_subscribed || r.sel_special_use) return;
  std::string top(kSharedPrefix.substr(0, kSharedPrefix.size() - 1));
  if (list_request_matches(r, top)) {
    out += r.extended ? (r.ret_children ? "* LIST (\\Noselect \\HasChildren) \"/\" "
                                        : "* LIST (\\Noselect) \"/\" ")
                      : "* LIST (\\Noselect \\HasChildren) \"/\" ";
    out += mailbox_to_wire(top, r.names) + "\r\n";
  }
  for (const SharedArchive& a : archives) {
    if (!list_request_matches(r, a.name)) continue;
    out += (!r.extended || r.ret_children) ? "* LIST (\\HasNoChildren) \"/\" " : "* LIST () \"/\" ";
    out += mailbox_to_wire(a.name, r.names) + "\r\n";
    if (r.ret_status) {
      auto line = status_response_at(a.dir, a.name, r.status_items, r.names);
      if (line.ok()) out += *line;  // no archive yet (no post): no STATUS
    }
  }
}

}  // namespace

void cmd_list_extended(Session& s, Command& c) {
  ListRequest r;
  std::string error = parse_list_request(c, r, s.wire_names());
  r.rev2 = s.enabled().imap4rev2;
  if (!error.empty()) {
    s.bad(c.tag, error);
    return;
  }
  if (r.delimiter_only) {
    s.untagged("LIST (\\Noselect) \"/\" \"\"");
    s.tagged(c.tag, "OK List completed.");
    return;
  }
  if (r.patterns.empty()) {
    s.tagged(c.tag, "OK List completed.");
    return;
  }
  struct Out {
    maildir::Status status;
    std::string text;
  };
  auto out = std::make_shared<Out>();
  std::string root = s.identity().maildir_path;
  auto req = std::make_shared<ListRequest>(std::move(r));
  std::string tag = c.tag;
  s.blocking(
      [out, root, req, mo = maildir_options(*s.options().config), names = s.options().config->imap,
       archives = shared_archives(*s.options().config, s.identity())] {
        auto md = maildir::Maildir::open(root, mo);
        if (!md.ok()) {
          out->status = md.status();
          return;
        }
        out->status = run_list(*md, *req, names, out->text);
        if (out->status.ok()) list_shared(archives, *req, out->text);
      },
      [&s, out, tag] {
        if (!out->status.ok()) {
          s.tagged(tag, no_response(out->status));
          return;
        }
        if (!out->text.empty()) s.conn().send(std::move(out->text));
        s.tagged(tag, "OK List completed.");
      });
}

void cmd_create_special_use(Session& s, Command& c) {
  // CREATE name (USE (\Archive ...)) — RFC 6154 section 3.
  const Arg& opts = c.args[1];
  if (opts.kind != Arg::Kind::kList || opts.children.size() != 2 ||
      opts.children[0].kind != Arg::Kind::kAtom || upper(opts.children[0].text) != "USE" ||
      opts.children[1].kind != Arg::Kind::kList) {
    s.bad(c.tag, "Invalid CREATE parameters.");
    return;
  }
  std::string attr;
  for (const Arg& a : opts.children[1].children) {
    if (a.kind != Arg::Kind::kAtom || a.text.empty() || a.text[0] != '\\') {
      s.bad(c.tag, "Invalid CREATE parameters.");
      return;
    }
    std::string_view canon = canonical_use_attribute(a.text);
    if (canon.empty()) {
      s.tagged(c.tag, "NO [USEATTR] Special-use attribute " + a.text + " is not supported.");
      return;
    }
    if (!attr.empty() && attr != canon) {
      s.tagged(c.tag, "NO [USEATTR] Only one special-use attribute per mailbox is supported.");
      return;
    }
    attr = std::string(canon);
  }
  if (c.args[0].is_astring() && c.args[0].text.size() > 1 && c.args[0].text.back() == '/') {
    c.args[0].text.pop_back();
  }
  auto name = mailbox_from_wire(c.args[0], s.wire_names());
  if (!name.ok()) {
    if (!c.args[0].is_astring()) {
      s.bad(c.tag, "Invalid mailbox name argument.");
    } else {
      s.tagged(c.tag, no_response(name.status()));
    }
    return;
  }
  auto status = std::make_shared<maildir::Status>();
  std::string root = s.identity().maildir_path;
  std::string tag = c.tag;
  s.blocking(
      [status, root, n = *name, attr, mo = maildir_options(*s.options().config)] {
        auto md = maildir::Maildir::open(root, mo);
        if (!md.ok()) {
          *status = md.status();
          return;
        }
        auto uses = SpecialUseMap::load(root);
        if (!uses.ok()) {
          *status = uses.status();
          return;
        }
        *status = md->create_folder(n);
        if (!status->ok() || attr.empty()) return;
        uses->set(n, attr);
        *status = uses->save(root);
        if (!status->ok()) (void)md->delete_folder(n);  // all or nothing
      },
      [&s, status, tag] {
        if (!status->ok()) {
          s.tagged(tag, no_response(*status));
          return;
        }
        s.tagged(tag, "OK Create completed.");
      });
}

}  // namespace imap
