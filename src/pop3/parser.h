// The POP3 command parser: one command line (without CRLF, as net::LineFramer yields it) in,
// a command with validated arguments or a classified error out. Pure, no allocation beyond the
// argument vector; arguments are views into the line.
//
// Grammar (RFC 1939 §3, RFC 2449 §3): a case-insensitive keyword, then arguments separated by
// single or multiple spaces. PASS takes the rest of the line as one argument (passwords may
// contain spaces, as Dovecot and Courier allow). Message numbers are decimal 1..2^32-1 without
// sign; TOP's line count is 0..2^32-1. Each argument is at most kMaxArgBytes (room for an AUTH
// initial response of a 1024-byte password in base64).
//
// Thread safety: pure functions, any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace tegami::pop3 {

inline constexpr size_t kMaxArgBytes = 2048;

enum class Command {
  kUser,
  kPass,
  kStat,
  kList,
  kRetr,
  kDele,
  kNoop,
  kRset,
  kQuit,
  kTop,
  kUidl,
  kCapa,
  kStls,
  kAuth,
};

// "USER", "PASS", ...
std::string_view command_name(Command command);

struct ParsedCommand {
  Command command = Command::kNoop;
  std::vector<std::string_view> args;  // raw argument text
  // The numeric arguments already converted: msg for LIST/RETR/DELE/TOP/UIDL, lines for TOP.
  std::optional<std::uint32_t> msg;
  std::optional<std::uint32_t> lines;
};

enum class ParseError {
  kEmpty,           // empty line
  kUnknownCommand,  // keyword not known
  kWrongArguments,  // too few or too many arguments
  kBadNumber,       // a message number / line count that is not a valid number
  kTooLong,         // an argument longer than kMaxArgBytes
};

// "empty", "unknown_command", ...
std::string_view parse_error_name(ParseError error);

using ParseResult = std::variant<ParsedCommand, ParseError>;

ParseResult parse_command(std::string_view line);

}  // namespace tegami::pop3
