// `tegami list add|del|show|member add|member del|member comment|admin add|admin del`: mailing
// lists in the domain files (docs/lists.md). Edits are atomic (config/edit.h: the domain's
// `lists:` block is rewritten under the file's lock, validated before it is written); `list add`
// refuses past the domain's list limit (max_accounts / 2, at most 500, or max_lists).
// Exit 0 ok, 1 failure, 2 usage.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "command.h"
#include "config/edit.h"
#include "config/load.h"
#include "lists/bounce.h"
#include "lists/expand.h"
#include "lists/post.h"
#include "lists/serial.h"

namespace tegami_cli {
namespace {

using tegami::config::Config;

tegami::config::EditOptions edit_options() {
  tegami::config::EditOptions o;
  if (const char* pause = std::getenv("TEGAMI_EDIT_PAUSE_MS"); pause != nullptr)
    o.pause_before_commit = std::chrono::milliseconds(std::atol(pause));
  return o;
}

int report(const maildir::Status& s, const std::string& done) {
  if (!s.ok()) {
    std::fprintf(stderr, "tegami: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("%s\n", done.c_str());
  return 0;
}

std::string joined(const std::vector<std::string>& words, size_t from) {
  std::string out;
  for (size_t i = from; i < words.size(); ++i) out += (i > from ? " " : "") + words[i];
  return out;
}

int add(const Invocation& inv) {
  if (inv.args.empty()) return usage_error("list add");
  tegami::config::NewList nl;
  // Members and admins compare as full addresses (a bare name gets the list's domain).
  const std::string& list = inv.args[0];
  auto full = [&](const std::string& a) {
    std::string f = tegami_lists::lower_ascii(a);
    if (f.find('@') == std::string::npos && list.find('@') != std::string::npos)
      f += list.substr(list.rfind('@'));
    return f;
  };
  for (size_t i = 1; i < inv.args.size(); ++i) {
    const std::string& a = inv.args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= inv.args.size()) return std::nullopt;
      return inv.args[++i];
    };
    std::optional<std::string> v;
    if (a == "--archive") {
      nl.archive = true;
      continue;
    }
    v = value();
    if (!v) return usage_error("list add");
    if (a == "--member") {
      bool listed = false;
      for (const auto& m : nl.members) listed = listed || m.address == full(*v);
      if (!listed) nl.members.push_back({full(*v), ""});
    } else if (a == "--admin") {
      nl.admins.push_back(full(*v));
      bool listed = false;
      for (const auto& m : nl.members) listed = listed || m.address == full(*v);
      if (!listed) nl.members.push_back({full(*v), ""});
    } else if (a == "--tag") {
      nl.subject_tag = *v;
    } else if (a == "--format") {
      nl.subject_format = *v;
    } else if (a == "--posting") {
      if (*v == "anyone")
        nl.posting = tegami::config::PostingPolicy::kAnyone;
      else if (*v == "members")
        nl.posting = tegami::config::PostingPolicy::kMembers;
      else if (*v == "admins")
        nl.posting = tegami::config::PostingPolicy::kAdmins;
      else
        return usage_error("list add");
    } else if (a == "--reply-to") {
      if (*v == "keep")
        nl.reply_to = tegami::config::ReplyToPolicy::kKeep;
      else if (*v == "list")
        nl.reply_to = tegami::config::ReplyToPolicy::kList;
      else if (*v == "sender")
        nl.reply_to = tegami::config::ReplyToPolicy::kSender;
      else
        return usage_error("list add");
    } else {
      return usage_error("list add");
    }
  }
  return report(tegami::config::add_list(inv.config_path, inv.args[0], nl, edit_options()),
                "list " + inv.args[0] + " added");
}

int del(const Invocation& inv) {
  if (inv.args.size() != 1) return usage_error("list del");
  return report(tegami::config::delete_list(inv.config_path, inv.args[0], edit_options()),
                "list " + inv.args[0] + " removed");
}

void show_one(const Config& config, const tegami::config::Domain& d,
              const tegami::config::MailingList& l) {
  std::string address = l.local_part + "@" + d.name;
  std::printf("list: %s\n", address.c_str());
  std::printf("posting: %s\n", std::string(to_string(l.posting)).c_str());
  std::printf("reply_to: %s\n", std::string(to_string(l.reply_to)).c_str());
  std::printf("subject_tag: %s\n", l.subject_tag.c_str());
  std::printf("subject_format: %s\n", l.subject_format.c_str());
  std::printf("archive: %s\n", l.archive ? "true" : "false");
  std::printf("bounce_limit: %u%s\n", l.bounce_limit, l.bounce_limit ? "" : " (never disable)");
  auto serial = tegami_lists::read_serial(tegami_lists::list_state_dir(config, d, l));
  std::printf("last_serial: %s\n",
              serial.ok() ? std::to_string(*serial).c_str() : serial.status().message().c_str());
  std::printf("admins:\n");
  for (const std::string& a : l.admins) std::printf("  %s\n", a.c_str());
  std::printf("members:\n");
  for (const auto& m : l.members) {
    auto t = config.resolve(m.address);
    const char* kind = t.kind == tegami::config::AddressTarget::Kind::kList ? " (list)"
                       : config.find_domain(m.address.substr(m.address.rfind('@') + 1)) == nullptr
                           ? " (external)"
                           : "";
    std::printf("  %s%s%s%s\n", m.address.c_str(), kind, m.comment.empty() ? "" : "  # ",
                m.comment.c_str());
  }
  for (const std::string& x :
       tegami_lists::disabled_members(tegami_lists::list_state_dir(config, d, l)))
    std::printf("disabled: %s (bounces)\n", x.c_str());
  tegami_lists::Expansion e = tegami_lists::expand_list(config, d, l);
  std::printf("delivers_to: %zu local, %zu external\n", e.mailboxes.size(), e.external.size());
  for (const std::string& p : e.problems) std::printf("warning: %s\n", p.c_str());
}

int show(const Invocation& inv) {
  if (inv.args.size() != 1) return usage_error("list show");
  auto result = tegami::config::load_config(inv.config_path);
  if (!result.ok()) {
    for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const Config& config = *result.config;
  const std::string& arg = inv.args[0];
  size_t at = arg.rfind('@');
  if (at == std::string::npos) {
    const tegami::config::Domain* d = config.find_domain(arg);
    if (d == nullptr) {
      std::fprintf(stderr, "tegami: unknown domain %s\n", arg.c_str());
      return 1;
    }
    std::printf("domain: %s\nlists: %zu of %u\n", d->name.c_str(), d->lists.size(), d->max_lists);
    for (const auto& l : d->lists)
      std::printf("  %s@%s  %zu members\n", l.local_part.c_str(), d->name.c_str(),
                  l.members.size());
    return 0;
  }
  auto t = config.resolve(tegami_lists::lower_ascii(arg));
  if (t.kind != tegami::config::AddressTarget::Kind::kList ||
      t.list->local_part != tegami_lists::lower_ascii(arg.substr(0, at))) {
    std::fprintf(stderr, "tegami: no mailing list %s\n", arg.c_str());
    return 1;
  }
  show_one(config, *t.domain, *t.list);
  return 0;
}

int member_add(const Invocation& inv) {
  if (inv.args.size() < 2) return usage_error("list member add");
  return report(tegami::config::add_list_member(inv.config_path, inv.args[0], inv.args[1],
                                                joined(inv.args, 2), edit_options()),
                inv.args[1] + " added to " + inv.args[0]);
}

int member_del(const Invocation& inv) {
  if (inv.args.size() != 2) return usage_error("list member del");
  return report(
      tegami::config::delete_list_member(inv.config_path, inv.args[0], inv.args[1], edit_options()),
      inv.args[1] + " removed from " + inv.args[0]);
}

int member_comment(const Invocation& inv) {
  if (inv.args.size() < 2) return usage_error("list member comment");
  return report(tegami::config::set_list_member_comment(inv.config_path, inv.args[0], inv.args[1],
                                                        joined(inv.args, 2), edit_options()),
                "comment of " + inv.args[1] + " in " + inv.args[0] + " set");
}

int member_enable(const Invocation& inv) {
  if (inv.args.size() != 2) return usage_error("list member enable");
  auto result = tegami::config::load_config(inv.config_path);
  if (!result.ok()) {
    for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  return report(tegami_lists::enable_member(*result.config, tegami_lists::lower_ascii(inv.args[0]),
                                            inv.args[1]),
                inv.args[1] + " receives the posts of " + inv.args[0] + " again");
}

int admin_add(const Invocation& inv) {
  if (inv.args.size() != 2) return usage_error("list admin add");
  return report(
      tegami::config::add_list_admin(inv.config_path, inv.args[0], inv.args[1], edit_options()),
      inv.args[1] + " is now an admin of " + inv.args[0]);
}

int admin_del(const Invocation& inv) {
  if (inv.args.size() != 2) return usage_error("list admin del");
  return report(
      tegami::config::delete_list_admin(inv.config_path, inv.args[0], inv.args[1], edit_options()),
      inv.args[1] + " is no longer an admin of " + inv.args[0]);
}

Register r1{{"list add",
             "<list@domain> [--member ADDR]... [--admin ADDR]... [--tag TAG] [--format FMT] "
             "[--posting anyone|members|admins] [--reply-to keep|list|sender] [--archive]",
             "create a mailing list (refused past the domain's list limit)", &add}};
Register r2{{"list del", "<list@domain>", "remove a mailing list", &del}};
Register r3{{"list show", "<list@domain> | <domain>",
             "a list's settings and members, or a domain's lists", &show}};
Register r4{
    {"list member add", "<list@domain> <address> [comment...]", "add a member", &member_add}};
Register r5{{"list member del", "<list@domain> <address>", "remove a member (and its admin right)",
             &member_del}};
Register r6{{"list member comment", "<list@domain> <address> <text...>", "set a member's comment",
             &member_comment}};
Register r9{{"list member enable", "<list@domain> <address>",
             "re-enable a member disabled after bounces", &member_enable}};
Register r7{
    {"list admin add", "<list@domain> <address>", "make a member a list admin", &admin_add}};
Register r8{
    {"list admin del", "<list@domain> <address>", "take a list admin's right away", &admin_del}};

}  // namespace
}  // namespace tegami_cli
