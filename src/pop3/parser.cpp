#include "pop3/parser.h"

#include <array>

namespace tegami::pop3 {

namespace {

struct Spec {
  std::string_view name;
  Command command;
  unsigned min_args;
  unsigned max_args;
  bool rest_is_one_arg;  // PASS
  unsigned numeric;      // leading arguments that are numbers
};

constexpr std::array<Spec, 14> kSpecs{{
    {"USER", Command::kUser, 1, 1, false, 0},
    {"PASS", Command::kPass, 1, 1, true, 0},
    {"STAT", Command::kStat, 0, 0, false, 0},
    {"LIST", Command::kList, 0, 1, false, 1},
    {"RETR", Command::kRetr, 1, 1, false, 1},
    {"DELE", Command::kDele, 1, 1, false, 1},
    {"NOOP", Command::kNoop, 0, 0, false, 0},
    {"RSET", Command::kRset, 0, 0, false, 0},
    {"QUIT", Command::kQuit, 0, 0, false, 0},
    {"TOP", Command::kTop, 2, 2, false, 2},
    {"UIDL", Command::kUidl, 0, 1, false, 1},
    {"CAPA", Command::kCapa, 0, 0, false, 0},
    {"STLS", Command::kStls, 0, 0, false, 0},
    {"AUTH", Command::kAuth, 0, 2, false, 0},
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (x != b[i]) return false;
  }
  return true;
}

std::optional<std::uint32_t> parse_u32(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  if (v > 0xffffffffULL) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

}  // namespace

std::string_view command_name(Command command) {
  for (const Spec& s : kSpecs) {
    if (s.command == command) return s.name;
  }
  return "?";
}

std::string_view parse_error_name(ParseError error) {
  switch (error) {
    case ParseError::kEmpty:
      return "empty";
    case ParseError::kUnknownCommand:
      return "unknown_command";
    case ParseError::kWrongArguments:
      return "wrong_arguments";
    case ParseError::kBadNumber:
      return "bad_number";
    case ParseError::kTooLong:
      return "too_long";
  }
  return "?";
}

ParseResult parse_command(std::string_view line) {
  size_t sp = line.find(' ');
  std::string_view keyword = line.substr(0, sp);
  if (keyword.empty()) return line.empty() ? ParseError::kEmpty : ParseError::kUnknownCommand;
  const Spec* spec = nullptr;
  for (const Spec& s : kSpecs) {
    if (iequals(keyword, s.name)) {
      spec = &s;
      break;
    }
  }
  if (spec == nullptr) return ParseError::kUnknownCommand;

  ParsedCommand out;
  out.command = spec->command;
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  if (spec->rest_is_one_arg) {
    if (rest.empty()) return ParseError::kWrongArguments;
    if (rest.size() > kMaxArgBytes) return ParseError::kTooLong;
    out.args.push_back(rest);
  } else {
    size_t i = 0;
    while (i < rest.size()) {
      if (rest[i] == ' ') {
        ++i;
        continue;
      }
      size_t end = rest.find(' ', i);
      if (end == std::string_view::npos) end = rest.size();
      if (end - i > kMaxArgBytes) return ParseError::kTooLong;
      if (out.args.size() == spec->max_args) return ParseError::kWrongArguments;
      out.args.push_back(rest.substr(i, end - i));
      i = end;
    }
  }
  if (out.args.size() < spec->min_args || out.args.size() > spec->max_args) {
    return ParseError::kWrongArguments;
  }
  for (unsigned n = 0; n < spec->numeric && n < out.args.size(); ++n) {
    std::optional<std::uint32_t> v = parse_u32(out.args[n]);
    if (!v) return ParseError::kBadNumber;
    if (n == 0) {
      if (*v == 0) return ParseError::kBadNumber;  // message numbers start at 1
      out.msg = v;
    } else {
      out.lines = v;
    }
  }
  return out;
}

}  // namespace tegami::pop3
