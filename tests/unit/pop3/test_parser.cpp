// The POP3 command parser: a table of lines, a byte-at-a-time framing check, attack vectors.
#include <doctest/doctest.h>

#include <string>

#include "net/line_framer.h"
#include "pop3/parser.h"

using namespace tegami::pop3;

namespace {

const ParsedCommand* ok(const ParseResult& r) {
  return std::get_if<ParsedCommand>(&r);
}
std::optional<ParseError> err(const ParseResult& r) {
  if (auto* e = std::get_if<ParseError>(&r)) return *e;
  return std::nullopt;
}

}  // namespace

TEST_CASE("table of valid commands") {
  struct Row {
    const char* line;
    Command command;
    size_t args;
  } rows[] = {
      {"USER alice@example.com", Command::kUser, 1},
      {"user alice@example.com", Command::kUser, 1},
      {"PASS secret with spaces", Command::kPass, 1},
      {"STAT", Command::kStat, 0},
      {"LIST", Command::kList, 0},
      {"LIST 3", Command::kList, 1},
      {"RETR 1", Command::kRetr, 1},
      {"DELE 42", Command::kDele, 1},
      {"NOOP", Command::kNoop, 0},
      {"RSET", Command::kRset, 0},
      {"QUIT", Command::kQuit, 0},
      {"TOP 1 0", Command::kTop, 2},
      {"UIDL", Command::kUidl, 0},
      {"uidl 7", Command::kUidl, 1},
      {"CAPA", Command::kCapa, 0},
      {"STLS", Command::kStls, 0},
      {"AUTH", Command::kAuth, 0},
      {"AUTH PLAIN", Command::kAuth, 1},
      {"AUTH PLAIN AGFsaWNlAHB3", Command::kAuth, 2},
  };
  for (const Row& row : rows) {
    CAPTURE(row.line);
    ParseResult r = parse_command(row.line);
    REQUIRE(ok(r) != nullptr);
    CHECK(ok(r)->command == row.command);
    CHECK(ok(r)->args.size() == row.args);
  }
  auto pass = parse_command("PASS  two  spaces ");
  CHECK(ok(pass)->args[0] == " two  spaces ");
  auto top = parse_command("TOP 4294967295 12");
  CHECK(*ok(top)->msg == 4294967295u);
  CHECK(*ok(top)->lines == 12u);
}

TEST_CASE("table of errors") {
  struct Row {
    const char* line;
    ParseError error;
  } rows[] = {
      {"", ParseError::kEmpty},
      {" STAT", ParseError::kUnknownCommand},
      {"APOP a b", ParseError::kUnknownCommand},
      {"STATX", ParseError::kUnknownCommand},
      {"STAT 1", ParseError::kWrongArguments},
      {"RETR", ParseError::kWrongArguments},
      {"TOP 1", ParseError::kWrongArguments},
      {"TOP 1 2 3", ParseError::kWrongArguments},
      {"USER", ParseError::kWrongArguments},
      {"USER a b", ParseError::kWrongArguments},
      {"PASS", ParseError::kWrongArguments},
      {"RETR 0", ParseError::kBadNumber},
      {"RETR -1", ParseError::kBadNumber},
      {"RETR +1", ParseError::kBadNumber},
      {"RETR 1x", ParseError::kBadNumber},
      {"RETR 4294967296", ParseError::kBadNumber},
      {"RETR 99999999999999999999", ParseError::kBadNumber},
      {"TOP 1 -5", ParseError::kBadNumber},
      {"DELE 0x10", ParseError::kBadNumber},
  };
  for (const Row& row : rows) {
    CAPTURE(row.line);
    auto e = err(parse_command(row.line));
    REQUIRE(e.has_value());
    CHECK(*e == row.error);
  }
}

TEST_CASE("attack vectors: huge arguments, NUL and control bytes") {
  std::string big = "USER " + std::string(kMaxArgBytes + 1, 'a');
  CHECK(err(parse_command(big)) == ParseError::kTooLong);
  std::string pass = "PASS " + std::string(kMaxArgBytes + 1, 'a');
  CHECK(err(parse_command(pass)) == ParseError::kTooLong);
  std::string nul("USER a\0b", 8);
  auto r = parse_command(nul);
  REQUIRE(ok(r) != nullptr);  // the login layer rejects the name, not the parser
  CHECK(ok(r)->args[0].size() == 3);
  CHECK(err(parse_command(std::string("\0STAT", 5))) == ParseError::kUnknownCommand);
  CHECK(err(parse_command("LIST 1 2 3 4 5 6 7 8 9")) == ParseError::kWrongArguments);
}

TEST_CASE("byte at a time through the line framer gives the same commands") {
  std::string input = "CAPA\r\nUSER a@b.c\r\nPASS x y\r\nLIST 2\nQUIT\r\n";
  net::LineFramer framer(510);
  std::string buffer;
  std::vector<Command> seen;
  for (char ch : input) {
    buffer += ch;
    auto r = framer.next(buffer);
    if (r.kind == net::LineFramer::Kind::kLine) {
      auto p = parse_command(r.line);
      REQUIRE(ok(p) != nullptr);
      seen.push_back(ok(p)->command);
    }
    buffer.erase(0, r.consumed);
  }
  CHECK(seen == std::vector<Command>{Command::kCapa, Command::kUser, Command::kPass, Command::kList,
                                     Command::kQuit});
}
