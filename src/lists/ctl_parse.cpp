#include "lists/ctl_parse.h"

namespace tegami_lists {

namespace {

std::string_view trim(std::string_view s) {
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  size_t e = s.size();
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The rest of `line` after its first `n` words.
std::string rest_after(std::string_view line, size_t n) {
  size_t i = 0;
  for (size_t k = 0; k < n; ++k) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
  }
  return std::string(trim(line.substr(i)));
}

bool plausible_address(std::string_view a) {
  size_t at = a.rfind('@');
  if (a.size() > 254 || a.find_first_of("<>\"(),;:\\[]") != std::string_view::npos) return false;
  return at == std::string_view::npos ? !a.empty() : (at > 0 && at + 1 < a.size());
}

CtlCommand parse_line(std::string_view line) {
  CtlCommand c;
  c.line = std::string(line);
  if (line.size() > kMaxLine) {
    c.line = std::string(line.substr(0, 80)) + "...";
    c.text = "line too long";
    return c;
  }
  std::vector<std::string_view> w = words(line);
  std::string verb = lower(w[0]);
  struct Row {
    const char* name;
    CtlCommand::Verb verb;
    size_t min_args;
    bool takes_address;
  };
  static const Row kTable[] = {
      {"help", CtlCommand::Verb::kHelp, 0, false},
      {"members", CtlCommand::Verb::kMembers, 0, false},
      {"add", CtlCommand::Verb::kAdd, 1, true},
      {"remove", CtlCommand::Verb::kRemove, 1, true},
      {"comment", CtlCommand::Verb::kComment, 1, true},
      {"admins", CtlCommand::Verb::kAdmins, 0, false},
      {"addadmin", CtlCommand::Verb::kAddAdmin, 1, true},
      {"deladmin", CtlCommand::Verb::kDelAdmin, 1, true},
  };
  for (const Row& r : kTable) {
    if (verb != r.name) continue;
    if (w.size() - 1 < r.min_args) {
      c.text = std::string(r.name) + " needs an address";
      return c;
    }
    if (r.takes_address) {
      std::string_view a = w[1];
      if (a.size() > 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
      if (!plausible_address(a)) {
        c.text = "'" + std::string(w[1]) + "' is not an address";
        return c;
      }
      c.address = lower(a);
      c.text = rest_after(line, 2);
      bool extra_allowed = r.verb == CtlCommand::Verb::kAdd || r.verb == CtlCommand::Verb::kComment;
      if (!extra_allowed && !c.text.empty()) {
        c.text = std::string(r.name) + " takes one address";
        return c;
      }
    } else if (w.size() > 1) {
      c.text = std::string(r.name) + " takes no argument";
      return c;
    }
    c.verb = r.verb;
    return c;
  }
  c.text = "unknown command (send 'help')";
  return c;
}

}  // namespace

std::vector<CtlCommand> parse_ctl_commands(std::string_view subject, std::string_view body) {
  std::vector<CtlCommand> out;
  std::string_view s = trim(subject);
  if (!s.empty() && s.size() <= kMaxLine) {
    CtlCommand c = parse_line(s);
    if (c.verb != CtlCommand::Verb::kBad) out.push_back(std::move(c));
  }
  size_t pos = 0;
  while (pos < body.size() && out.size() < kMaxCommands) {
    size_t nl = body.find('\n', pos);
    std::string_view raw =
        body.substr(pos, nl == std::string_view::npos ? body.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    if (raw == "-- " || raw == "-- \r") break;
    std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == '>') continue;
    if (lower(line) == "end") break;
    out.push_back(parse_line(line));
  }
  return out;
}

std::string ctl_help(std::string_view list_address) {
  std::string a(list_address);
  return "Commands for " + a +
         " (one per line, in the mail to its -ctl address; only the list admins, logged in with "
         "SMTP AUTH, may send them):\n"
         "  help                         this text\n"
         "  members                      the members with their comments\n"
         "  add <address> [comment]      add a member\n"
         "  remove <address>             remove a member\n"
         "  comment <address> <text>     set a member's comment\n"
         "  admins                       the list admins\n"
         "  addadmin <address>           make a member a list admin\n"
         "  deladmin <address>           take the admin right away\n"
         "\n" +
         a +
         " \xE3\x81\xAE\xE7\xAE\xA1\xE7\x90\x86\xE3\x82\xB3\xE3\x83\x9E\xE3\x83\xB3\xE3\x83\x89"
         "\xEF\xBC\x88\xE6\x9C\xAC\xE6\x96\x87\xE3\x81\xAB 1 \xE8\xA1\x8C\xE3\x81\x9A\xE3\x81\xA4"
         "\xE3\x80\x82\xE3\x83\xAA\xE3\x82\xB9\xE3\x83\x88\xE7\xAE\xA1\xE7\x90\x86\xE8\x80\x85"
         "\xE3\x81\x8C SMTP AUTH \xE3\x81\xA7\xE9\x80\x81\xE4\xBF\xA1\xE3\x81\x97\xE3\x81\x9F"
         "\xE3\x82\x82\xE3\x81\xAE\xE3\x81\xA0\xE3\x81\x91\xE6\x9C\x89\xE5\x8A\xB9\xEF\xBC\x89: "
         "help, members, add, remove, comment, admins, addadmin, deladmin\n";
}

}  // namespace tegami_lists
