// `tegami mailbox ...`: look at and change one user's Maildir without the daemon, like doveadm's
// mailbox/fetch/flags commands. Names are IMAP-level (UTF-8, '/' separator, INBOX).
//   mailbox list <maildir> [--json]                    folders
//   mailbox create <maildir> <name>                    create a folder
//   mailbox status <maildir> <name> [--json]           UIDVALIDITY, UIDNEXT, every message's UID
//   and flags mailbox append <maildir> <name> [--flags LETTERS] [--keyword K]... [--date EPOCH]
//                                                      store stdin as one message; prints its UID
//   mailbox store <maildir> <name> <uid> (+|-|=)LETTERS [--keyword K]...
// Flags are Maildir letters (D F P R S T); keywords are IMAP keywords mapped via dovecot-keywords.
#include <time.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "maildir/flags.h"
#include "maildir/mailbox.h"
#include "maildir/maildir.h"

namespace tegami_cli {
namespace {

int fail(const char* what, const maildir::Status& status) {
  std::fprintf(stderr, "tegami mailbox %s: %s\n", what, status.to_string().c_str());
  return 1;
}

// Positional arguments and the options --json, --flags X, --keyword K (repeatable), --date N.
struct Args {
  std::vector<std::string> positional;
  bool json = false;
  std::string flags;
  std::vector<std::string> keywords;
  std::optional<long long> date;
  bool ok = true;
};

Args parse_args(const std::vector<std::string>& in) {
  Args out;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& a = in[i];
    bool has_value = i + 1 < in.size();
    if (a == "--json") {
      out.json = true;
    } else if (a == "--flags" && has_value) {
      out.flags = in[++i];
    } else if (a == "--keyword" && has_value) {
      out.keywords.push_back(in[++i]);
    } else if (a == "--date" && has_value) {
      try {
        out.date = std::stoll(in[++i]);
      } catch (...) {
        out.ok = false;
      }
    } else if (a.rfind("--", 0) == 0) {
      out.ok = false;
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

std::optional<std::uint8_t> letters_to_flags(std::string_view letters) {
  std::uint8_t bits = 0;
  for (char c : letters) {
    std::uint8_t bit = maildir::system_flag_of(c);
    if (bit == 0) return std::nullopt;
    bits |= bit;
  }
  return bits;
}

maildir::Result<std::string> folder_dir(const std::string& root, const std::string& name) {
  maildir::Result<maildir::Maildir> md = maildir::Maildir::open(root);
  if (!md) return md.status();
  return md->folder_path(name);
}

int mailbox_list(const Invocation& inv) {
  Args args = parse_args(inv.args);
  if (!args.ok || args.positional.size() != 1) return usage_error("mailbox list");
  maildir::Result<maildir::Maildir> md = maildir::Maildir::open(args.positional[0]);
  if (!md) return fail("list", md.status());
  maildir::Result<std::vector<maildir::FolderInfo>> folders = md->list_folders();
  if (!folders) return fail("list", folders.status());
  nlohmann::json out = nlohmann::json::array();
  for (const maildir::FolderInfo& f : *folders) {
    if (args.json) {
      out.push_back({{"name", f.name}, {"exists", f.exists}, {"has_children", f.has_children}});
    } else {
      std::printf("%s%s\n", f.name.c_str(), f.exists ? "" : " (implied)");
    }
  }
  if (args.json) std::printf("%s\n", out.dump().c_str());
  return 0;
}

int mailbox_create(const Invocation& inv) {
  Args args = parse_args(inv.args);
  if (!args.ok || args.positional.size() != 2) return usage_error("mailbox create");
  maildir::Result<maildir::Maildir> md = maildir::Maildir::open(args.positional[0]);
  if (!md) return fail("create", md.status());
  maildir::Status st = md->create_folder(args.positional[1]);
  return st.ok() ? 0 : fail("create", st);
}

int mailbox_status(const Invocation& inv) {
  Args args = parse_args(inv.args);
  if (!args.ok || args.positional.size() != 2) return usage_error("mailbox status");
  maildir::Result<std::string> dir = folder_dir(args.positional[0], args.positional[1]);
  if (!dir) return fail("status", dir.status());
  maildir::Result<maildir::Mailbox> box = maildir::Mailbox::open(*dir);
  if (!box) return fail("status", box.status());
  nlohmann::json messages = nlohmann::json::array();
  for (std::size_t i = 0; i < box->count(); ++i) {
    const maildir::MessageRecord& r = box->record(i);
    maildir::MessageFlags flags = box->flags(i);
    messages.push_back({{"uid", r.uid},
                        {"flags", maildir::flags_string(maildir::MessageFlags{flags.system, 0})},
                        {"keywords", box->keywords().names_of(flags.keywords)},
                        {"size", r.size},
                        {"internal_date", r.mtime},
                        {"name", std::string(box->file_name(i))}});
  }
  nlohmann::json out = {{"uidvalidity", box->uid_validity()},
                        {"uidnext", box->uid_next()},
                        {"guid", box->guid()},
                        {"messages", messages}};
  if (args.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("uidvalidity %u uidnext %u messages %zu\n", box->uid_validity(), box->uid_next(),
                box->count());
    for (const nlohmann::json& m : messages) {
      std::string kw;
      for (const auto& k : m["keywords"]) kw += " " + k.get<std::string>();
      std::printf("%u %s%s\n", m["uid"].get<unsigned>(), m["flags"].get<std::string>().c_str(),
                  kw.c_str());
    }
  }
  return 0;
}

int mailbox_append(const Invocation& inv) {
  Args args = parse_args(inv.args);
  if (!args.ok || args.positional.size() != 2) return usage_error("mailbox append");
  std::optional<std::uint8_t> flags = letters_to_flags(args.flags);
  if (!flags) return usage_error("mailbox append");
  maildir::Result<std::string> dir = folder_dir(args.positional[0], args.positional[1]);
  if (!dir) return fail("append", dir.status());
  std::string message(std::istreambuf_iterator<char>(std::cin), {});
  maildir::AppendOptions options;
  options.flags.system = *flags;
  options.keywords = args.keywords;
  if (args.date) options.internal_date = timespec{static_cast<time_t>(*args.date), 0};
  maildir::Result<maildir::Appended> appended = maildir::append_to_folder(*dir, message, options);
  if (!appended) return fail("append", appended.status());
  std::printf("%u\n", appended->uid);
  return 0;
}

int mailbox_store(const Invocation& inv) {
  Args args = parse_args(inv.args);
  if (!args.ok || args.positional.size() != 4 || args.positional[3].empty()) {
    return usage_error("mailbox store");
  }
  const std::string& spec = args.positional[3];
  maildir::FlagStore change;
  switch (spec[0]) {
    case '+':
      change.mode = maildir::StoreMode::kAdd;
      break;
    case '-':
      change.mode = maildir::StoreMode::kRemove;
      break;
    case '=':
      change.mode = maildir::StoreMode::kReplace;
      break;
    default:
      return usage_error("mailbox store");
  }
  std::optional<std::uint8_t> flags = letters_to_flags(std::string_view(spec).substr(1));
  if (!flags) return usage_error("mailbox store");
  change.system = *flags;
  change.keywords = args.keywords;
  std::uint32_t uid = 0;
  try {
    uid = static_cast<std::uint32_t>(std::stoul(args.positional[2]));
  } catch (...) {
    return usage_error("mailbox store");
  }
  maildir::Result<std::string> dir = folder_dir(args.positional[0], args.positional[1]);
  if (!dir) return fail("store", dir.status());
  maildir::Result<maildir::Mailbox> box = maildir::Mailbox::open(*dir);
  if (!box) return fail("store", box.status());
  std::uint32_t uids[] = {uid};
  auto stored = box->store(uids, change);
  if (!stored) return fail("store", stored.status());
  if (stored->empty()) {
    std::fprintf(stderr, "tegami mailbox store: no message with UID %u\n", uid);
    return 1;
  }
  return 0;
}

Register r_list{
    {"mailbox list", "<maildir> [--json]", "list the folders of a Maildir", &mailbox_list}};
Register r_create{{"mailbox create", "<maildir> <name>", "create a folder", &mailbox_create}};
Register r_status{{"mailbox status", "<maildir> <name> [--json]",
                   "UIDVALIDITY, UIDNEXT and each message's UID, flags, keywords",
                   &mailbox_status}};
Register r_append{{"mailbox append",
                   "<maildir> <name> [--flags LETTERS] [--keyword K]... [--date EPOCH]",
                   "store standard input as one message; prints its UID", &mailbox_append}};
Register r_store{{"mailbox store", "<maildir> <name> <uid> (+|-|=)LETTERS [--keyword K]...",
                  "change a message's flags and keywords", &mailbox_store}};

}  // namespace
}  // namespace tegami_cli
