// Mailbox commands of the authenticated state: LIST, LSUB, CREATE, DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE, STATUS; and the SPECIAL-USE folders made at first login. All storage work runs
// on a worker thread (Session::blocking); names pass through mailbox_from_wire, so every
// traversal form is refused by the storage library's validator with NO [CANNOT].
#include <algorithm>

#include <cctype>
#include <filesystem>
#include <memory>

#include "imap/command_table.h"
#include "imap/condstore.h"
#include "imap/mailbox_names.h"
#include "imap/mailbox_status.h"
#include "imap/response_code.h"
#include "imap/selected_box.h"
#include "imap/session.h"
#include "imap/shared_archive.h"
#include "imap/special_use.h"
#include "imap/user_storage.h"
#include "maildir/mailbox.h"
#include "maildir/maildir.h"
#include "maildir/mutf7.h"
#include "maildir/recent.h"
#include "maildir/subscriptions.h"

namespace imap {

namespace {

struct Outcome {
  maildir::Status status;
  std::string untagged;  // lines to send before the tagged OK
};

void answer(Session& s, const std::string& tag, const Outcome& o, std::string_view ok_text) {
  if (!o.status.ok()) {
    s.tagged(tag, no_response(o.status));
    return;
  }
  if (!o.untagged.empty()) s.conn().send(o.untagged);
  s.tagged(tag, std::string("OK ") + std::string(ok_text));
}

// Runs `fn(maildir)` on a worker thread and answers `tag`.
template <typename Fn>
void with_maildir(Session& s, std::string tag, std::string ok_text, Fn fn) {
  auto out = std::make_shared<Outcome>();
  std::string root = s.identity().maildir_path;
  s.blocking(
      [out, root, fn, mo = maildir_options(*s.options().config)] {
        auto md = maildir::Maildir::open(root, mo);
        if (!md.ok()) {
          out->status = md.status();
          return;
        }
        fn(*md, *out);
      },
      [&s, out, tag, ok_text] { answer(s, tag, *out, ok_text); });
}

bool name_arg(Session& s, const Command& c, size_t i, std::string& name) {
  auto n = mailbox_from_wire(c.args[i], s.wire_names());
  if (!n.ok()) {
    if (!c.args[i].is_astring()) {
      s.bad(c.tag, "Invalid mailbox name argument.");
    } else {
      s.tagged(c.tag, no_response(n.status()));
    }
    return false;
  }
  name = *n;
  return true;
}

}  // namespace

maildir::Status prepare_user_maildir(const std::string& root,
                                     const tegami::config::Config& config) {
  const tegami::config::ImapConfig& imap = config.imap;
  std::string parent = root.substr(0, root.find_last_of('/'));
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return maildir::from_errno(ec.value(), "mkdir " + parent);
  auto md = maildir::Maildir::create(root, maildir_options(config));
  if (!md.ok()) return md.status();
  for (const SpecialUse& su : special_use_folders(imap)) {
    maildir::Status st = md->create_folder(su.name);
    if (st.ok()) {
      (void)maildir::subscribe(root, su.name);
    } else if (st.code() != maildir::Code::kExists) {
      return st;
    }
  }
  return {};
}

namespace {

// The LIST-EXTENDED syntax (RFC 5258) that clients send to a SPECIAL-USE server (RFC 6154):
// "LIST (SPECIAL-USE) "" *", "LIST "" (a b) RETURN (SPECIAL-USE SUBSCRIBED CHILDREN)". Taken
// leniently (LIST-EXTENDED itself is not advertised): the selection options SPECIAL-USE and
// SUBSCRIBED filter the list, RECURSIVEMATCH and REMOTE change nothing here, and the return
// options ask for what plain LIST shows anyway.
struct ListRequest {
  bool special_use_only = false;
  bool subscribed_only = false;
  const Arg* ref = nullptr;
  std::vector<const Arg*> patterns;
};

bool upper_is(const Arg& a, std::string_view word) {
  if (a.kind != Arg::Kind::kAtom || a.text.size() != word.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    if (std::toupper(static_cast<unsigned char>(a.text[k])) != word[k]) return false;
  }
  return true;
}

bool parse_list_request(const Command& c, bool lsub, ListRequest& out) {
  size_t i = 0;
  if (!lsub && i < c.args.size() && c.args[i].kind == Arg::Kind::kList) {
    for (const Arg& o : c.args[i].children) {
      if (upper_is(o, "SPECIAL-USE")) {
        out.special_use_only = true;
      } else if (upper_is(o, "SUBSCRIBED")) {
        out.subscribed_only = true;
      } else if (!upper_is(o, "RECURSIVEMATCH") && !upper_is(o, "REMOTE")) {
        return false;
      }
    }
    ++i;
  }
  if (i >= c.args.size() || !c.args[i].is_astring()) return false;
  out.ref = &c.args[i++];
  if (i >= c.args.size()) return false;
  if (!lsub && c.args[i].kind == Arg::Kind::kList) {
    for (const Arg& p : c.args[i].children) {
      if (!p.is_astring()) return false;
      out.patterns.push_back(&p);
    }
    if (out.patterns.empty()) return false;
  } else if (c.args[i].is_astring()) {
    out.patterns.push_back(&c.args[i]);
  } else {
    return false;
  }
  ++i;
  if (i == c.args.size()) return true;
  if (lsub || i + 2 != c.args.size() || !upper_is(c.args[i], "RETURN") ||
      c.args[i + 1].kind != Arg::Kind::kList) {
    return false;
  }
  for (const Arg& o : c.args[i + 1].children) {
    if (!upper_is(o, "SPECIAL-USE") && !upper_is(o, "SUBSCRIBED") && !upper_is(o, "CHILDREN")) {
      return false;
    }
  }
  return true;
}

}  // namespace

void cmd_list(Session& s, Command& c) {
  bool lsub = c.name == "LSUB";
  ListRequest req;
  if (!parse_list_request(c, lsub, req)) {
    s.bad(c.tag, "Invalid LIST arguments.");
    return;
  }
  std::string word = lsub ? "LSUB" : "LIST";
  auto ref = pattern_from_wire(req.ref->text, s.wire_names());
  std::vector<std::string> patterns;
  for (const Arg* p : req.patterns) {
    auto pat = pattern_from_wire(p->text, s.wire_names());
    if (!ref.ok() || !pat.ok()) continue;  // nothing can match an invalid name
    if (!lsub && pat->empty() && req.patterns.size() == 1) {
      s.untagged("LIST (\\Noselect) \"/\" \"\"");
      s.tagged(c.tag, "OK List completed.");
      return;
    }
    patterns.push_back(*ref + *pat);  // RFC 3501: reference and pattern are concatenated
  }
  if (patterns.empty()) {
    s.tagged(c.tag, "OK List completed.");
    return;
  }
  auto matches = [patterns](std::string_view name) {
    for (const std::string& p : patterns) {
      if (list_match(p, name)) return true;
    }
    return false;
  };
  WireNames names = s.wire_names();
  bool rev2 = s.enabled().imap4rev2;
  with_maildir(s, c.tag, lsub ? "Lsub completed." : "List completed.",
               [matches, word, lsub, special_use_only = req.special_use_only,
                subscribed_only = req.subscribed_only, names, rev2,
                imap = s.options().config->imap](maildir::Maildir& md, Outcome& out) {
                 auto folders = md.list_folders();
                 if (!folders.ok()) {
                   out.status = folders.status();
                   return;
                 }
                 auto subs = maildir::Subscriptions::load(md.root());
                 if (lsub) {
                   if (!subs.ok()) {
                     out.status = subs.status();
                     return;
                   }
                   for (const std::string& n : subs->names()) {
                     if (!matches(n)) continue;
                     out.untagged += "* LSUB () \"/\" " + mailbox_to_wire(n, names) + "\r\n";
                   }
                   return;
                 }
                 for (const maildir::FolderInfo& f : *folders) {
                   if (!matches(f.name)) continue;
                   bool subscribed = subs.ok() && subs->contains(f.name);
                   std::string_view su = special_use_attribute(imap, f.name);
                   if (special_use_only && su.empty()) continue;
                   if (subscribed_only && !subscribed) continue;
                   std::string attrs;
                   auto add = [&attrs](std::string_view a) {
                     if (!attrs.empty()) attrs += ' ';
                     attrs += a;
                   };
                   // IMAP4rev2 (RFC 9051 7.3.1): a name that is only a parent of others
                   // does not exist: \NonExistent (which implies \Noselect).
                   if (!f.exists) add(rev2 ? "\\NonExistent" : "\\Noselect");
                   add(f.has_children ? "\\HasChildren" : "\\HasNoChildren");
                   if (subscribed) add("\\Subscribed");
                   if (!su.empty()) add(su);
                   out.untagged += "* " + word + " (" + attrs + ") \"/\" " +
                                   mailbox_to_wire(f.name, names) + "\r\n";
                 }
               });
}

void cmd_create(Session& s, Command& c) {
  if (c.args.size() == 2) {
    cmd_create_special_use(s, c);
    return;
  }
  // RFC 3501: a trailing separator only says the client means a parent; drop it.
  if (c.args[0].is_astring() && c.args[0].text.size() > 1 && c.args[0].text.back() == '/') {
    c.args[0].text.pop_back();
  }
  std::string name;
  if (!name_arg(s, c, 0, name)) return;
  with_maildir(s, c.tag, "Create completed.",
               [name](maildir::Maildir& md, Outcome& out) { out.status = md.create_folder(name); });
}

void cmd_delete(Session& s, Command& c) {
  std::string name;
  if (!name_arg(s, c, 0, name)) return;
  if (name == "INBOX") {
    s.tagged(c.tag, "NO [CANNOT] INBOX can't be deleted.");
    return;
  }
  with_maildir(s, c.tag, "Delete completed.", [name](maildir::Maildir& md, Outcome& out) {
    out.status = md.delete_folder(name);
    if (out.status.ok()) (void)maildir::unsubscribe(md.root(), name);
    if (out.status.ok()) special_use_folder_deleted(md.root(), name);
  });
}

void cmd_rename(Session& s, Command& c) {
  std::string from;
  std::string to;
  if (!name_arg(s, c, 0, from) || !name_arg(s, c, 1, to)) return;
  with_maildir(s, c.tag, "Rename completed.", [from, to](maildir::Maildir& md, Outcome& out) {
    out.status = md.rename_folder(from, to);
    if (out.status.ok()) special_use_folder_renamed(md.root(), from, to);
  });
}

void cmd_subscribe(Session& s, Command& c) {
  bool on = c.name == "SUBSCRIBE";
  std::string name;
  if (!name_arg(s, c, 0, name)) return;
  with_maildir(s, c.tag, on ? "Subscribe completed." : "Unsubscribe completed.",
               [name, on](maildir::Maildir& md, Outcome& out) {
                 out.status = on ? maildir::subscribe(md.root(), name)
                                 : maildir::unsubscribe(md.root(), name);
               });
}

namespace {

// STATUS of a list archive in the shared namespace: NONEXISTENT unless the user may read it.
void status_shared(Session& s, Command& c, SharedArchive archive) {
  std::vector<std::string> wanted;
  std::string error;
  if (!parse_status_items(c.args[1], wanted, error)) {
    s.bad(c.tag, error);
    return;
  }
  if (archive.dir.empty()) {
    s.tagged(c.tag, "NO [NONEXISTENT] Mailbox doesn't exist");
    return;
  }
  auto out = std::make_shared<maildir::Result<std::string>>(std::string());
  s.blocking(
      [out, archive, wanted, names = s.wire_names()] {
        *out = status_response_at(archive.dir, archive.name, wanted, names);
      },
      [&s, out, tag = c.tag] {
        if (!out->ok()) {
          s.tagged(tag, no_response(out->status()));
          return;
        }
        s.conn().send(**out);
        s.tagged(tag, "OK Status completed.");
      });
}

}  // namespace

void cmd_status(Session& s, Command& c) {
  if (auto shared = find_shared_archive(c.args[0], *s.options().config, s.identity())) {
    status_shared(s, c, std::move(*shared));
    return;
  }
  std::string name;
  if (!name_arg(s, c, 0, name)) return;
  std::vector<std::string> wanted;
  std::string error;
  if (!parse_status_items(c.args[1], wanted, error)) {
    s.bad(c.tag, error);
    return;
  }
  // RFC 7162 3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command.
  if (std::find(wanted.begin(), wanted.end(), "HIGHESTMODSEQ") != wanted.end()) {
    enable_condstore(s);
  }
  with_maildir(s, c.tag, "Status completed.",
               [name, wanted, names = s.wire_names()](maildir::Maildir& md, Outcome& out) {
                 auto line = status_response(md, name, wanted, names);
                 if (!line.ok()) {
                   out.status = line.status();
                   return;
                 }
                 out.untagged = std::move(*line);
               });
}

}  // namespace imap
