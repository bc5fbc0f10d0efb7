// Mailing-list edits of domain files (edit.h): the domain's `lists:` block is regenerated.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "config/edit.h"
#include "config/edit_text.h"
#include "maildir/lock.h"

namespace tegami::config {

namespace {

using maildir::Code;
using maildir::Status;
using namespace detail;

std::string full(std::string_view address, const std::string& domain) {
  std::string a = lower(address);
  return a.find('@') == std::string::npos ? a + "@" + domain : a;
}

std::string list_block(int col, const std::vector<MailingList>& lists) {
  if (lists.empty()) return pad(col) + "lists: []\n";
  std::string out = pad(col) + "lists:\n";
  const MailingList defaults;
  for (const MailingList& l : lists) {
    out += pad(col + 2) + "- address: " + l.local_part + "\n";
    const std::string k = pad(col + 4);
    if (l.members.empty()) {
      out += k + "members: []\n";
    } else {
      out += k + "members:\n";
      for (const ListMember& m : l.members) {
        if (m.comment.empty()) {
          out += pad(col + 6) + "- " + m.address + "\n";
        } else {
          out += pad(col + 6) + "- address: " + m.address + "\n";
          out += pad(col + 8) + "comment: " + yaml_quoted(m.comment) + "\n";
        }
      }
    }
    if (!l.admins.empty()) {
      out += k + "admins:\n";
      for (const std::string& a : l.admins) out += pad(col + 6) + "- " + a + "\n";
    }
    if (!l.subject_tag.empty()) out += k + "subject_tag: " + yaml_quoted(l.subject_tag) + "\n";
    if (l.subject_format != defaults.subject_format)
      out += k + "subject_format: " + yaml_quoted(l.subject_format) + "\n";
    if (l.posting != defaults.posting)
      out += k + "posting: " + std::string(to_string(l.posting)) + "\n";
    if (l.reply_to != defaults.reply_to)
      out += k + "reply_to: " + std::string(to_string(l.reply_to)) + "\n";
    if (l.archive) out += k + "archive: true\n";
    if (l.munge_from) out += k + "munge_from: true\n";
    if (l.bounce_limit != defaults.bounce_limit)
      out += k + "bounce_limit: " + std::to_string(l.bounce_limit) + "\n";
  }
  return out;
}

bool find_key(const YAML::Node& map, std::string_view key, YAML::Node& k, YAML::Node& v) {
  if (!map.IsMap()) return false;
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) {
      k = kv.first;
      v = kv.second;
      return true;
    }
  }
  return false;
}

// Replaces (or adds) the domain's `lists:` block in `text`.
Status replace_lists(const std::string& text, bool is_main, const std::string& domain,
                     const std::vector<MailingList>& lists, std::string& new_text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status(Code::kCorrupt, std::string("YAML: ") + e.what());
  }
  YAML::Node dom;
  if (is_main) {
    YAML::Node k, v;
    if (!find_key(root, "domains", k, v) || !v.IsSequence())
      return Status(Code::kNotFound, "domain " + domain + " not found in its file");
    for (const auto& item : v) {
      YAML::Node dk, dv;
      if (find_key(item, "domain", dk, dv) && dv.IsScalar() && lower(dv.Scalar()) == domain)
        dom = static_cast<const YAML::Node&>(item);
    }
    if (!dom.IsDefined() || dom.IsNull())
      return Status(Code::kNotFound, "domain " + domain + " not found in its file");
  } else {
    dom = root;
  }
  if (!dom.IsMap() || dom.Style() == YAML::EmitterStyle::Flow)
    return Status(Code::kInvalidArgument,
                  "domain " + domain + " is written in flow style; edit it by hand");
  std::vector<std::string> lines = split_lines(text);
  YAML::Node lk, lv;
  if (find_key(dom, "lists", lk, lv)) {
    size_t first = static_cast<size_t>(lk.Mark().line);
    int col = lk.Mark().column;
    if (first >= lines.size()) return Status(Code::kInvalidArgument, "unusual layout");
    size_t end = block_end(lines, first, col, true);
    // Trailing comment lines after the block belong to what follows.
    std::vector<std::string> add = split_lines(list_block(col, lists));
    lines.erase(lines.begin() + static_cast<long>(first), lines.begin() + static_cast<long>(end));
    lines.insert(lines.begin() + static_cast<long>(first), add.begin(), add.end());
  } else {
    int col = dom.Mark().column;
    size_t at = lines.size();
    if (is_main) at = block_end(lines, static_cast<size_t>(dom.Mark().line), col - 1, false);
    std::vector<std::string> add = split_lines(list_block(col, lists));
    lines.insert(lines.begin() + static_cast<long>(at), add.begin(), add.end());
  }
  new_text = join_lines(lines);
  return Status::Ok();
}

bool same_lists(const std::vector<MailingList>& a, const std::vector<MailingList>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const MailingList& x = a[i];
    const MailingList& y = b[i];
    if (x.local_part != y.local_part || x.admins != y.admins || x.subject_tag != y.subject_tag ||
        x.subject_format != y.subject_format || x.posting != y.posting ||
        x.reply_to != y.reply_to || x.archive != y.archive || x.munge_from != y.munge_from ||
        x.bounce_limit != y.bounce_limit || x.members.size() != y.members.size())
      return false;
    for (size_t j = 0; j < x.members.size(); ++j)
      if (x.members[j].address != y.members[j].address ||
          x.members[j].comment != y.members[j].comment)
        return false;
  }
  return true;
}

bool same_accounts(const Domain& a, const Domain& b) {
  if (a.accounts.size() != b.accounts.size() || a.aliases.size() != b.aliases.size()) return false;
  for (size_t i = 0; i < a.accounts.size(); ++i) {
    const Account& x = a.accounts[i];
    const Account& y = b.accounts[i];
    if (x.local_part != y.local_part || x.password_hash != y.password_hash ||
        x.quota_mb != y.quota_mb || x.display_name != y.display_name || x.enabled != y.enabled ||
        x.aliases != y.aliases)
      return false;
  }
  for (size_t i = 0; i < a.aliases.size(); ++i)
    if (a.aliases[i].local_part != b.aliases[i].local_part ||
        a.aliases[i].targets != b.aliases[i].targets)
      return false;
  return a.plan == b.plan && a.max_accounts == b.max_accounts && a.max_lists == b.max_lists;
}

using ListsChange =
    std::function<Status(const Config& config, const Domain& domain, const std::string& local,
                         std::vector<MailingList>& lists)>;

Status edit_lists(const std::string& config_path, std::string_view list_address,
                  const EditOptions& options, const ListsChange& change) {
  std::string local, dom;
  if (!split_address(list_address, local, dom))
    return Status(Code::kInvalidArgument, "'" + std::string(list_address) + "' is not an address");
  std::vector<MailingList> lists;
  return detail::edit_domain_file(
      config_path, dom, options,
      [&](const std::string& text, const Config& current, const Domain& d, std::string& out) {
        lists = d.lists;
        if (Status s = change(current, d, local, lists); !s.ok()) return s;
        return replace_lists(text, d.source_file == current.main_file, d.name, lists, out);
      },
      [&](const Config&, const Domain& d, const Config&, const Domain* ad) {
        if (ad == nullptr || !same_lists(ad->lists, lists) || !same_accounts(d, *ad))
          return Status(Code::kInvalidArgument,
                        "the layout of " + d.source_file + " is unusual; edit its lists by hand");
        return Status::Ok();
      });
}

MailingList* find_list(std::vector<MailingList>& lists, const std::string& local) {
  for (MailingList& l : lists)
    if (l.local_part == local) return &l;
  return nullptr;
}

Status no_list(const std::string& local, const Domain& d) {
  return Status(Code::kNotFound, "no mailing list " + local + "@" + d.name);
}

// A change to one existing list; `address` is the list's "local@domain" (for messages).
using ListChange =
    std::function<Status(MailingList& list, const Domain& domain, const std::string& address)>;

// edit_lists for the list named by `list_address`, which must exist (else kNotFound).
Status edit_list(const std::string& config_path, std::string_view list_address,
                 const EditOptions& options, const ListChange& change) {
  return edit_lists(config_path, list_address, options,
                    [&](const Config&, const Domain& d, const std::string& local,
                        std::vector<MailingList>& lists) -> Status {
                      MailingList* l = find_list(lists, local);
                      if (l == nullptr) return no_list(local, d);
                      return change(*l, d, local + "@" + d.name);
                    });
}

}  // namespace

Status add_list(const std::string& config_path, std::string_view list_address, const NewList& nl,
                const EditOptions& options) {
  return edit_lists(
      config_path, list_address, options,
      [&](const Config& config, const Domain& d, const std::string& local,
          std::vector<MailingList>& lists) -> Status {
        AddressTarget t = config.resolve(local + "@" + d.name);
        bool exact =
            t.kind != AddressTarget::Kind::kNone && local.find('+') == std::string::npos &&
            ((t.account &&
              (t.account->local_part == local ||
               std::count(t.account->aliases.begin(), t.account->aliases.end(), local))) ||
             (t.alias && t.alias->local_part == local) || (t.list && t.list->local_part == local));
        if (exact)
          return Status(Code::kExists, "address " + local + "@" + d.name + " is already in use");
        if (lists.size() >= d.max_lists)
          return Status(Code::kLimit, "domain " + d.name + " already has " +
                                          std::to_string(lists.size()) + " of " +
                                          std::to_string(d.max_lists) +
                                          " mailing lists (its contract's limit)");
        MailingList l;
        l.local_part = local;
        for (const ListMember& m : nl.members)
          l.members.push_back(ListMember{full(m.address, d.name), m.comment});
        for (const std::string& a : nl.admins) l.admins.push_back(full(a, d.name));
        l.subject_tag = nl.subject_tag;
        if (!nl.subject_format.empty()) l.subject_format = nl.subject_format;
        if (nl.posting) l.posting = *nl.posting;
        if (nl.reply_to) l.reply_to = *nl.reply_to;
        l.archive = nl.archive;
        lists.push_back(std::move(l));
        return Status::Ok();
      });
}

Status delete_list(const std::string& config_path, std::string_view list_address,
                   const EditOptions& options) {
  return edit_lists(config_path, list_address, options,
                    [&](const Config&, const Domain& d, const std::string& local,
                        std::vector<MailingList>& lists) -> Status {
                      auto it = std::find_if(lists.begin(), lists.end(), [&](const MailingList& l) {
                        return l.local_part == local;
                      });
                      if (it == lists.end()) return no_list(local, d);
                      lists.erase(it);
                      return Status::Ok();
                    });
}

Status add_list_member(const std::string& config_path, std::string_view list_address,
                       std::string_view member, std::string_view comment,
                       const EditOptions& options) {
  return edit_list(config_path, list_address, options,
                   [&](MailingList& l, const Domain& d, const std::string& address) -> Status {
                     std::string m = full(member, d.name);
                     for (const ListMember& x : l.members)
                       if (x.address == m)
                         return Status(Code::kExists, m + " is already a member of " + address);
                     l.members.push_back(ListMember{m, std::string(comment)});
                     return Status::Ok();
                   });
}

Status delete_list_member(const std::string& config_path, std::string_view list_address,
                          std::string_view member, const EditOptions& options) {
  return edit_list(config_path, list_address, options,
                   [&](MailingList& l, const Domain& d, const std::string& address) -> Status {
                     std::string m = full(member, d.name);
                     auto it = std::find_if(l.members.begin(), l.members.end(),
                                            [&](const ListMember& x) { return x.address == m; });
                     if (it == l.members.end())
                       return Status(Code::kNotFound, m + " is not a member of " + address);
                     l.members.erase(it);
                     l.admins.erase(std::remove(l.admins.begin(), l.admins.end(), m),
                                    l.admins.end());
                     return Status::Ok();
                   });
}

Status set_list_member_comment(const std::string& config_path, std::string_view list_address,
                               std::string_view member, std::string_view comment,
                               const EditOptions& options) {
  return edit_list(config_path, list_address, options,
                   [&](MailingList& l, const Domain& d, const std::string& address) -> Status {
                     std::string m = full(member, d.name);
                     for (ListMember& x : l.members) {
                       if (x.address != m) continue;
                       x.comment = std::string(comment);
                       return Status::Ok();
                     }
                     return Status(Code::kNotFound, m + " is not a member of " + address);
                   });
}

Status add_list_admin(const std::string& config_path, std::string_view list_address,
                      std::string_view admin, const EditOptions& options) {
  return edit_list(config_path, list_address, options,
                   [&](MailingList& l, const Domain& d, const std::string& address) -> Status {
                     std::string a = full(admin, d.name);
                     if (std::count(l.admins.begin(), l.admins.end(), a))
                       return Status(Code::kExists, a + " is already an admin of " + address);
                     bool member = std::any_of(l.members.begin(), l.members.end(),
                                               [&](const ListMember& x) { return x.address == a; });
                     if (!member)
                       return Status(Code::kInvalidArgument,
                                     a + " is not a member of " + address +
                                         " (admins are chosen from the members)");
                     l.admins.push_back(a);
                     return Status::Ok();
                   });
}

Status delete_list_admin(const std::string& config_path, std::string_view list_address,
                         std::string_view admin, const EditOptions& options) {
  return edit_list(config_path, list_address, options,
                   [&](MailingList& l, const Domain& d, const std::string& address) -> Status {
                     std::string a = full(admin, d.name);
                     auto it = std::find(l.admins.begin(), l.admins.end(), a);
                     if (it == l.admins.end())
                       return Status(Code::kNotFound, a + " is not an admin of " + address);
                     l.admins.erase(it);
                     return Status::Ok();
                   });
}

}  // namespace tegami::config
