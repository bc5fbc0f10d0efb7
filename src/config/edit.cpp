// Surgical, atomic edits of domain files. See edit.h for the contract.
//
// The text is handled as lines. yaml-cpp gives the start (line, column) of every node; the end
// of a block is found by indentation: the block that starts at line L and whose content is
// indented deeper than column C runs until the first non-blank, non-comment line indented at C
// or less (a sequence also keeps its "- " lines at C). Trailing comments stay outside the block,
// so removing an account keeps a comment that introduces the next one, and removes the comment
// lines directly above it at its own indentation.
#include "config/edit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "config/edit_text.h"
#include "maildir/lock.h"

namespace tegami::config {

// Shared with list_edit.cpp through edit_text.h.
namespace detail {

using maildir::Code;
using maildir::Status;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

int indent_of(const std::string& line) {
  int i = 0;
  while (static_cast<size_t>(i) < line.size() && line[static_cast<size_t>(i)] == ' ') ++i;
  return i;
}

bool blank_or_comment(const std::string& line) {
  size_t i = static_cast<size_t>(indent_of(line));
  return i >= line.size() || line[i] == '#' || line[i] == '\r';
}

size_t block_end(const std::vector<std::string>& lines, size_t first, int col, bool seq) {
  size_t end = first + 1;
  for (size_t i = first + 1; i < lines.size(); ++i) {
    if (blank_or_comment(lines[i])) continue;
    int ind = indent_of(lines[i]);
    if (ind > col || (seq && ind == col && lines[i][static_cast<size_t>(ind)] == '-')) {
      end = i + 1;
      continue;
    }
    break;
  }
  return end;
}

// The end column of the scalar that starts at `col` on `line`; false if it does not end there.
bool scalar_end(const std::string& line, size_t col, size_t& end) {
  if (col >= line.size()) return false;
  char c = line[col];
  if (c == '"') {
    for (size_t i = col + 1; i < line.size(); ++i) {
      if (line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        end = i + 1;
        return true;
      }
    }
    return false;
  }
  if (c == '\'') {
    for (size_t i = col + 1; i < line.size(); ++i) {
      if (line[i] != '\'') continue;
      if (i + 1 < line.size() && line[i + 1] == '\'') {
        ++i;
        continue;
      }
      end = i + 1;
      return true;
    }
    return false;
  }
  if (c == '|' || c == '>' || c == '[' || c == '{' || c == '&' || c == '*' || c == '!') {
    return false;
  }
  size_t e = line.find(" #", col);
  if (e == std::string::npos) e = line.size();
  while (e > col && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r')) --e;
  end = e;
  return true;
}

std::string yaml_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string pad(int n) {
  return std::string(static_cast<size_t>(std::max(n, 0)), ' ');
}

bool split_address(std::string_view address, std::string& local, std::string& domain) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  local = lower(address.substr(0, at));
  domain = lower(address.substr(at + 1));
  return true;
}

// The nodes of one domain inside a file's YAML. (Each YAML::Node here is bound exactly once:
// assigning to an already bound yaml-cpp node would overwrite the node in the tree.)
struct Located {
  YAML::Node domain;
  YAML::Node accounts_key;  // null node when the key is absent
  YAML::Node accounts;
  bool has_accounts = false;
};

Status locate(const YAML::Node& root, bool is_main, const std::string& domain, Located& out) {
  auto find_key = [](const YAML::Node& map, std::string_view key, YAML::Node& k, YAML::Node& v) {
    if (!map.IsMap()) return false;
    for (const auto& kv : map) {
      if (kv.first.IsScalar() && kv.first.Scalar() == key) {
        k = kv.first;
        v = kv.second;
        return true;
      }
    }
    return false;
  };
  YAML::Node k, v;
  if (is_main) {
    if (!find_key(root, "domains", k, v) || !v.IsSequence()) {
      return Status(Code::kNotFound, "domain " + domain + " not found in its file");
    }
    bool found = false;
    for (const auto& item : v) {
      YAML::Node dk, dv;
      if (find_key(item, "domain", dk, dv) && dv.IsScalar() && lower(dv.Scalar()) == domain) {
        out.domain = static_cast<const YAML::Node&>(item);
        found = true;
      }
    }
    if (!found) return Status(Code::kNotFound, "domain " + domain + " not found in its file");
  } else {
    out.domain = root;
  }
  if (!out.domain.IsMap() || out.domain.Style() == YAML::EmitterStyle::Flow) {
    return Status(Code::kInvalidArgument,
                  "domain " + domain + " is written in flow style; edit it by hand");
  }
  out.has_accounts = find_key(out.domain, "accounts", out.accounts_key, out.accounts);
  if (out.has_accounts && out.accounts.IsSequence() && out.accounts.size() > 0 &&
      out.accounts.Style() == YAML::EmitterStyle::Flow) {
    return Status(Code::kInvalidArgument, "the accounts of " + domain +
                                              " are a flow-style list; tegami edits block-style "
                                              "lists only (edit by hand)");
  }
  return Status::Ok();
}

// The account's item node, or a null node.
YAML::Node find_item(const Located& loc, const std::string& local) {
  if (!loc.has_accounts || !loc.accounts.IsSequence()) return YAML::Node();
  for (const auto& item : loc.accounts) {
    if (!item.IsMap()) continue;
    for (const auto& kv : item) {
      if (kv.first.IsScalar() && kv.first.Scalar() == "user" && kv.second.IsScalar() &&
          lower(kv.second.Scalar()) == local) {
        return static_cast<const YAML::Node&>(item);
      }
    }
  }
  return YAML::Node();
}

// Line of the item's "- " and the dash column; false if the dash is not on the item's line.
bool item_dash(const std::vector<std::string>& lines, const YAML::Node& item, size_t& line,
               int& dash) {
  line = static_cast<size_t>(item.Mark().line);
  if (line >= lines.size()) return false;
  dash = indent_of(lines[line]);
  return static_cast<size_t>(dash) < lines[line].size() &&
         lines[line][static_cast<size_t>(dash)] == '-' && dash < item.Mark().column;
}

using Mutation =
    std::function<Status(const std::string& text, const Config& current, const Domain& domain,
                         const std::string& local, std::string& new_text)>;

Status read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return maildir::from_errno("open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return Status::Ok();
}

Status write_atomically(const std::string& path, const std::string& text) {
  struct stat st {};
  mode_t mode = 0644;
  if (stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  std::string tmp = path + ".tegami-" + std::to_string(getpid()) + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return maildir::from_errno("create " + tmp);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = maildir::from_errno("write " + tmp);
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
    Status s = maildir::from_errno("fsync " + tmp);
    close(fd);
    unlink(tmp.c_str());
    return s;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = maildir::from_errno("rename " + tmp + " -> " + path);
    unlink(tmp.c_str());
    return s;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return maildir::from_errno("open " + dir);
  int rc = fsync(dfd);
  Status s = rc == 0 ? Status::Ok() : maildir::from_errno("fsync " + dir);
  close(dfd);
  return s;
}

std::string first_errors(const LoadResult& r) {
  std::string out;
  for (size_t i = 0; i < r.errors.size() && i < 5; ++i) {
    out += (i ? "\n" : "") + r.errors[i].to_string();
  }
  return out;
}

// Whether the edited account looks as intended afterwards, given how it was before (nullptr:
// absent).
using Expectation = std::function<bool(const Account* before, const Account* after)>;

bool same_account(const Account& a, const Account& b) {
  return a.local_part == b.local_part && a.password_hash == b.password_hash &&
         a.quota_mb == b.quota_mb && a.display_name == b.display_name && a.enabled == b.enabled &&
         a.aliases == b.aliases;
}

// Everything of the domain but the account `local` is exactly as before.
bool untouched(const Domain& before, const Domain& after, const std::string& local) {
  if (before.name != after.name || before.plan != after.plan ||
      before.max_accounts != after.max_accounts || before.disk_quota_mb != after.disk_quota_mb ||
      before.max_lists != after.max_lists ||
      before.max_imap_connections != after.max_imap_connections ||
      before.uidl_format != after.uidl_format || before.pop3_mark_seen != after.pop3_mark_seen ||
      before.aliases.size() != after.aliases.size() || before.lists.size() != after.lists.size()) {
    return false;
  }
  for (size_t i = 0; i < before.aliases.size(); ++i) {
    if (before.aliases[i].local_part != after.aliases[i].local_part ||
        before.aliases[i].targets != after.aliases[i].targets) {
      return false;
    }
  }
  for (size_t i = 0; i < before.lists.size(); ++i) {
    const MailingList& x = before.lists[i];
    const MailingList& y = after.lists[i];
    if (x.local_part != y.local_part || x.members.size() != y.members.size() ||
        x.admins != y.admins || x.subject_tag != y.subject_tag ||
        x.subject_format != y.subject_format) {
      return false;
    }
  }
  std::vector<const Account*> others_before, others_after;
  for (const Account& a : before.accounts) {
    if (a.local_part != local) others_before.push_back(&a);
  }
  for (const Account& a : after.accounts) {
    if (a.local_part != local) others_after.push_back(&a);
  }
  if (others_before.size() != others_after.size()) return false;
  for (size_t i = 0; i < others_before.size(); ++i) {
    if (!same_account(*others_before[i], *others_after[i])) return false;
  }
  return true;
}

Status edit_domain_file(const std::string& config_path, const std::string& dom,
                        const EditOptions& options, const DomainTextEdit& make,
                        const DomainEditCheck& check) {
  LoadResult before = load_config(config_path, options.load);
  if (!before.ok()) {
    return Status(Code::kCorrupt,
                  "the configuration has errors; fix them first:\n" + first_errors(before));
  }
  const Domain* d = before.config->find_domain(dom);
  if (d == nullptr) return Status(Code::kNotFound, "unknown domain " + dom);
  const std::string file = d->source_file;

  maildir::LockOptions lock_options;
  lock_options.stale_after = std::chrono::seconds(60);
  lock_options.wait = options.lock_wait;
  auto lock = maildir::DotLock::acquire(file + ".lock", lock_options);
  if (!lock.ok()) return lock.status();

  for (int attempt = 0; attempt < options.attempts; ++attempt) {
    std::string text;
    if (Status s = read_file(file, text); !s.ok()) return s;
    LoadOptions current_options = options.load;
    current_options.file_overrides[file] = text;
    LoadResult current = load_config(config_path, current_options);
    if (!current.ok()) {
      return Status(Code::kCorrupt,
                    "the configuration has errors; fix them first:\n" + first_errors(current));
    }
    const Domain* cd = current.config->find_domain(dom);
    if (cd == nullptr || cd->source_file != file) {
      return Status(Code::kNotFound, "unknown domain " + dom);
    }
    std::string new_text;
    if (Status s = make(text, *current.config, *cd, new_text); !s.ok()) return s;

    LoadOptions after_options = options.load;
    after_options.file_overrides[file] = new_text;
    LoadResult after = load_config(config_path, after_options);
    if (!after.ok()) {
      return Status(Code::kInvalidArgument,
                    "the change would make the configuration invalid:\n" + first_errors(after));
    }
    if (Status s = check(*current.config, *cd, *after.config, after.config->find_domain(dom));
        !s.ok()) {
      return s;
    }
    if (options.pause_before_commit.count() > 0) {
      std::this_thread::sleep_for(options.pause_before_commit);
    }
    std::string again;
    if (Status s = read_file(file, again); !s.ok()) return s;
    if (again != text) continue;  // changed by hand meanwhile: redo on the new content
    return write_atomically(file, new_text);
  }
  return Status(Code::kLocked, file + " kept changing while it was being edited; try again");
}

Status edit(const std::string& config_path, std::string_view address, const EditOptions& options,
            const Mutation& mutate, const Expectation& expect) {
  std::string local, dom;
  if (!split_address(address, local, dom)) {
    return Status(Code::kInvalidArgument, "'" + std::string(address) + "' is not an address");
  }
  return edit_domain_file(
      config_path, dom, options,
      [&](const std::string& text, const Config& current, const Domain& d, std::string& out) {
        return mutate(text, current, d, local, out);
      },
      [&](const Config& current, const Domain& d, const Config& after, const Domain* ad) {
        if (ad == nullptr || !untouched(d, *ad, local) ||
            !expect(current.find_account(local + "@" + dom),
                    after.find_account(local + "@" + dom))) {
          // The text edit did something else than intended (an unusual layout, e.g. a scalar
          // that runs over several lines): write nothing.
          return Status(Code::kInvalidArgument, "the layout of " + d.source_file + " around " +
                                                    local + "@" + dom +
                                                    " is unusual; edit it by hand");
        }
        return Status::Ok();
      });
}

std::string account_lines(int dash, int key, const std::string& local, const NewAccount& a) {
  std::string out = pad(dash) + "- user: " + local + "\n";
  out += pad(key) + "password: " + yaml_quoted(a.password_hash) + "\n";
  if (a.quota_mb) out += pad(key) + "quota: " + std::to_string(*a.quota_mb) + "\n";
  if (!a.display_name.empty())
    out += pad(key) + "display_name: " + yaml_quoted(a.display_name) + "\n";
  return out;
}

bool is_main_file(const Config& config, const std::string& file) {
  return file == config.main_file;
}

// Replaces the value of `key` in the account's mapping, or adds the key.
Status set_key(const std::string& text, const Config& config, const Domain& domain,
               const std::string& local, const std::string& key, const std::string& value,
               std::string& new_text) {
  YAML::Node root = YAML::Load(text);
  Located loc;
  if (Status s = locate(root, is_main_file(config, domain.source_file), domain.name, loc);
      !s.ok()) {
    return s;
  }
  YAML::Node item = find_item(loc, local);
  if (!item.IsMap()) {
    return Status(Code::kNotFound, "no account " + local + "@" + domain.name +
                                       " (aliases and lists are edited by hand)");
  }
  std::vector<std::string> lines = split_lines(text);
  size_t first = 0;
  int dash = 0;
  if (item.Style() == YAML::EmitterStyle::Flow || !item_dash(lines, item, first, dash)) {
    return Status(Code::kInvalidArgument, "the account " + local + "@" + domain.name +
                                              " is not in block style; edit it by hand");
  }
  for (const auto& kv : item) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != key) continue;
    YAML::Mark m = kv.second.Mark();
    size_t end = 0;
    if (!kv.second.IsScalar() || m.is_null() || static_cast<size_t>(m.line) >= lines.size() ||
        !scalar_end(lines[static_cast<size_t>(m.line)], static_cast<size_t>(m.column), end)) {
      return Status(Code::kInvalidArgument, "the " + key + " of " + local + "@" + domain.name +
                                                " is not a one-line value; edit it by hand");
    }
    std::string& line = lines[static_cast<size_t>(m.line)];
    line = line.substr(0, static_cast<size_t>(m.column)) + value + line.substr(end);
    new_text = join_lines(lines);
    return Status::Ok();
  }
  size_t end = block_end(lines, first, dash, false);
  lines.insert(lines.begin() + static_cast<long>(end),
               pad(item.Mark().column) + key + ": " + value);
  new_text = join_lines(lines);
  return Status::Ok();
}

}  // namespace detail

using namespace detail;

Status add_account(const std::string& config_path, std::string_view address,
                   const NewAccount& account, const EditOptions& options) {
  return edit(
      config_path, address, options,
      [&](const std::string& text, const Config& config, const Domain& domain,
          const std::string& local, std::string& new_text) -> Status {
        std::string full = local + "@" + domain.name;
        // resolve() also strips a +detail; only an exact name clash counts.
        AddressTarget t = config.resolve(full);
        bool exact = (t.account != nullptr &&
                      (t.account->local_part == local ||
                       std::find(t.account->aliases.begin(), t.account->aliases.end(), local) !=
                           t.account->aliases.end())) ||
                     (t.alias != nullptr && t.alias->local_part == local) ||
                     (t.list != nullptr && t.list->local_part == local);
        if (exact) return Status(Code::kExists, "address " + full + " is already in use");
        if (domain.accounts.size() >= domain.max_accounts) {
          return Status(Code::kLimit, "domain " + domain.name + " already has " +
                                          std::to_string(domain.accounts.size()) + " of " +
                                          std::to_string(domain.max_accounts) +
                                          " accounts (max_accounts)");
        }
        YAML::Node root = YAML::Load(text);
        Located loc;
        if (Status s = locate(root, is_main_file(config, domain.source_file), domain.name, loc);
            !s.ok()) {
          return s;
        }
        std::vector<std::string> lines = split_lines(text);
        bool empty_list = !loc.has_accounts || loc.accounts.IsNull() ||
                          (loc.accounts.IsSequence() && loc.accounts.size() == 0);
        if (loc.has_accounts && !loc.accounts.IsNull() && !loc.accounts.IsSequence()) {
          return Status(Code::kInvalidArgument, "accounts of " + domain.name + " is not a list");
        }
        if (!empty_list) {
          YAML::Node first_item = loc.accounts[0];
          size_t first = 0;
          int dash = 0;
          if (!item_dash(lines, first_item, first, dash)) {
            return Status(Code::kInvalidArgument, "the accounts list of " + domain.name +
                                                      " has an unusual layout; "
                                                      "edit it by hand");
          }
          size_t end = block_end(lines, first, dash, true);
          std::string block = account_lines(dash, first_item.Mark().column, local, account);
          std::vector<std::string> add = split_lines(block);
          lines.insert(lines.begin() + static_cast<long>(end), add.begin(), add.end());
        } else {
          int key_col = loc.domain.Mark().column;
          size_t at;
          if (loc.has_accounts) {
            // `accounts:`, `accounts: []` or `accounts: ~`: rewrite the key line, items below.
            at = static_cast<size_t>(loc.accounts_key.Mark().line);
            key_col = loc.accounts_key.Mark().column;
            lines[at] = pad(key_col) + "accounts:";
            at += 1;
          } else {
            size_t dline = static_cast<size_t>(loc.domain.Mark().line);
            at = block_end(lines, dline, key_col - 1, false);
            lines.insert(lines.begin() + static_cast<long>(at), pad(key_col) + "accounts:");
            at += 1;
          }
          std::vector<std::string> add =
              split_lines(account_lines(key_col + 2, key_col + 4, local, account));
          lines.insert(lines.begin() + static_cast<long>(at), add.begin(), add.end());
        }
        new_text = join_lines(lines);
        return Status::Ok();
      },
      [&](const Account*, const Account* after) {
        return after != nullptr && after->password_hash == account.password_hash &&
               after->display_name == account.display_name &&
               (!account.quota_mb || after->quota_mb == *account.quota_mb) && after->enabled &&
               after->aliases.empty();
      });
}

Status delete_account(const std::string& config_path, std::string_view address,
                      const EditOptions& options) {
  return edit(
      config_path, address, options,
      [&](const std::string& text, const Config& config, const Domain& domain,
          const std::string& local, std::string& new_text) -> Status {
        YAML::Node root = YAML::Load(text);
        Located loc;
        if (Status s = locate(root, is_main_file(config, domain.source_file), domain.name, loc);
            !s.ok()) {
          return s;
        }
        YAML::Node item = find_item(loc, local);
        if (!item.IsMap()) {
          return Status(Code::kNotFound, "no account " + local + "@" + domain.name);
        }
        std::vector<std::string> lines = split_lines(text);
        size_t first = 0;
        int dash = 0;
        if (!item_dash(lines, item, first, dash)) {
          return Status(Code::kInvalidArgument,
                        "the account has an unusual layout; edit it by hand");
        }
        size_t end = block_end(lines, first, dash, false);
        // Comment lines right above the item, at its indentation, describe it.
        while (first > 0 && blank_or_comment(lines[first - 1]) &&
               indent_of(lines[first - 1]) == dash &&
               static_cast<size_t>(dash) < lines[first - 1].size()) {
          --first;
        }
        lines.erase(lines.begin() + static_cast<long>(first),
                    lines.begin() + static_cast<long>(end));
        new_text = join_lines(lines);
        return Status::Ok();
      },
      [](const Account*, const Account* after) { return after == nullptr; });
}

Status set_password(const std::string& config_path, std::string_view address,
                    const std::string& password_hash, const EditOptions& options) {
  return edit(
      config_path, address, options,
      [&](const std::string& text, const Config& config, const Domain& domain,
          const std::string& local, std::string& new_text) {
        return set_key(text, config, domain, local, "password", yaml_quoted(password_hash),
                       new_text);
      },
      [&](const Account* before, const Account* after) {
        if (before == nullptr || after == nullptr) return false;
        Account want = *before;
        want.password_hash = password_hash;
        return same_account(want, *after);
      });
}

Status set_quota(const std::string& config_path, std::string_view address, std::uint64_t quota_mb,
                 const EditOptions& options) {
  return edit(
      config_path, address, options,
      [&](const std::string& text, const Config& config, const Domain& domain,
          const std::string& local, std::string& new_text) {
        return set_key(text, config, domain, local, "quota", std::to_string(quota_mb), new_text);
      },
      [&](const Account* before, const Account* after) {
        if (before == nullptr || after == nullptr) return false;
        Account want = *before;
        want.quota_mb = quota_mb;
        return same_account(want, *after);
      });
}

}  // namespace tegami::config
