#include "smtp/command.h"

#include <array>
#include <utility>

namespace tegami_smtp {

namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 13> kVerbs{{
    {"HELO", Verb::kHelo},
    {"EHLO", Verb::kEhlo},
    {"MAIL", Verb::kMail},
    {"RCPT", Verb::kRcpt},
    {"DATA", Verb::kData},
    {"RSET", Verb::kRset},
    {"NOOP", Verb::kNoop},
    {"QUIT", Verb::kQuit},
    {"VRFY", Verb::kVrfy},
    {"EXPN", Verb::kExpn},
    {"HELP", Verb::kHelp},
    {"STARTTLS", Verb::kStartTls},
    {"AUTH", Verb::kAuth},
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

Reply arg_error(std::string text) {
  return Reply{501, "5.5.4", std::move(text)};
}

bool is_helo_domain(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  if (s.front() == '[') return s.back() == ']' && s.size() > 2 && s.find(' ') == s.npos;
  for (unsigned char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.' || c == '_' || c >= 0x80))
      return false;
  return valid_utf8_text(s);
}

// MAIL FROM:<path> params / RCPT TO:<path> params.
std::variant<Command, Reply> parse_transaction(Command cmd, std::string_view rest,
                                               std::string_view prefix, PathRole role) {
  if (rest.size() < prefix.size() || !iequals(rest.substr(0, prefix.size()), prefix))
    return arg_error(role == PathRole::kReversePath ? "Syntax: MAIL FROM:<address>"
                                                    : "Syntax: RCPT TO:<address>");
  rest.remove_prefix(prefix.size());
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  auto parsed = parse_path(rest, role);
  if (auto* r = std::get_if<Reply>(&parsed)) return *r;
  ParsedPath& pp = std::get<ParsedPath>(parsed);
  cmd.path = std::move(pp.path);
  rest.remove_prefix(pp.used);
  if (role == PathRole::kReversePath) {
    auto params = parse_mail_params(rest);
    if (auto* r = std::get_if<Reply>(&params)) return *r;
    cmd.mail = std::move(std::get<MailParams>(params));
  } else {
    auto params = parse_rcpt_params(rest);
    if (auto* r = std::get_if<Reply>(&params)) return *r;
    cmd.rcpt = std::move(std::get<RcptParams>(params));
  }
  return cmd;
}

}  // namespace

std::string_view verb_name(Verb v) {
  for (const auto& [name, verb] : kVerbs)
    if (verb == v) return name;
  return "?";
}

std::variant<Command, Reply> parse_command(std::string_view line) {
  for (unsigned char c : line)
    if ((c < 32 && c != '\t') || c == 127)
      return Reply{501, "5.5.2", "Control characters are not allowed in commands"};
  size_t sp = line.find(' ');
  std::string_view word = line.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  Command cmd;
  bool found = false;
  for (const auto& [name, verb] : kVerbs) {
    if (iequals(word, name)) {
      cmd.verb = verb;
      found = true;
      break;
    }
  }
  if (!found) return Reply{500, "5.5.1", "Command unrecognized"};
  bool has_arg = sp != std::string_view::npos;
  // Trailing spaces after an argument-less command are common and harmless.
  std::string_view trimmed = rest;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t'))
    trimmed.remove_suffix(1);
  switch (cmd.verb) {
    case Verb::kHelo:
    case Verb::kEhlo:
      if (!is_helo_domain(trimmed)) return arg_error("Syntax: EHLO hostname");
      cmd.arg = std::string(trimmed);
      return cmd;
    case Verb::kData:
    case Verb::kRset:
    case Verb::kQuit:
    case Verb::kStartTls:
      if (!trimmed.empty()) return arg_error("No parameters allowed");
      return cmd;
    case Verb::kNoop:
    case Verb::kHelp:
      cmd.arg = std::string(trimmed);
      return cmd;
    case Verb::kVrfy:
    case Verb::kExpn:
      if (trimmed.empty()) return arg_error("Argument required");
      cmd.arg = std::string(trimmed);
      return cmd;
    case Verb::kMail:
      if (!has_arg) return arg_error("Syntax: MAIL FROM:<address>");
      return parse_transaction(std::move(cmd), rest, "FROM:", PathRole::kReversePath);
    case Verb::kRcpt:
      if (!has_arg) return arg_error("Syntax: RCPT TO:<address>");
      return parse_transaction(std::move(cmd), rest, "TO:", PathRole::kForwardPath);
    case Verb::kAuth: {
      size_t sp2 = trimmed.find(' ');
      std::string_view mech = trimmed.substr(0, sp2);
      if (mech.empty() || mech.size() > 20) return arg_error("Syntax: AUTH mechanism");
      for (char c : mech) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) return arg_error("Syntax: AUTH mechanism");
      }
      cmd.arg = std::string(mech);
      for (char& c : cmd.arg)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (sp2 != std::string_view::npos) {
        std::string_view ir = trimmed.substr(sp2 + 1);
        if (ir.empty() || ir.find(' ') != std::string_view::npos)
          return arg_error("Syntax: AUTH mechanism [initial-response]");
        cmd.initial_response = std::string(ir);
        cmd.has_initial_response = true;
      }
      return cmd;
    }
  }
  return Reply{500, "5.5.1", "Command unrecognized"};
}

}  // namespace tegami_smtp
