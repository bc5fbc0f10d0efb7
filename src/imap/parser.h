// The IMAP command parser: pure and incremental (no I/O, no session state).
//
// Bytes go in with feed(); the answer is one of
//   kNeedMore     every byte was taken; call again with more input;
//   kNeedLiteral  a synchronising literal {N} was announced and accepted: the caller sends
//                 "+ OK" and calls again with more input (never for {N+}, LITERAL+);
//   kCommand      a whole command (tag, upper-cased name, arguments) was parsed;
//   kError        a bad command: `error` says why, `tag` is the tag if one could be read.
//                 `fatal` means the stream cannot be resynchronised (over-long line, a
//                 non-synchronising literal over the limit): answer "* BYE" and close.
//                 Otherwise the command's bytes were skipped: answer "<tag> BAD" (or "* BAD").
// `consumed` is how many bytes of the given input were taken; the rest must be given again.
//
// Limits (checked before anything is allocated for them): a line (the text between literals)
// at most max_line bytes, the non-literal text of one command at most max_command, each
// literal at most max_literal (max_literal_nonsync for {N+}), lists nested at most max_depth,
// a tag at most max_tag bytes.
//
// Framing: a command is one or more lines; a line ending in "{N}" or "{N+}" (or "~{N}",
// literal8) is followed by N raw bytes, then the command continues. Only after the whole
// command has arrived are the arguments parsed, from the raw bytes.
//
// Arguments are kept generic (atoms, strings, lists, NIL); each command interprets its own
// with the typed helpers in sequence_set.h / fetch_items.h. An atom here is lenient: it may
// hold '*', '%', '\' (flags), and a "[...]" section with spaces and parentheses
// (BODY[HEADER.FIELDS (From)]<0.100> is one atom), as Dovecot's parser does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imap {

struct Arg {
  enum class Kind { kAtom, kQuoted, kLiteral, kList, kNil };
  Kind kind = Kind::kAtom;
  std::string text;           // atom / string contents (unescaped), empty for lists and NIL
  std::vector<Arg> children;  // kList only
  bool literal8 = false;      // kLiteral announced as ~{N}

  bool is_string() const { return kind == Kind::kQuoted || kind == Kind::kLiteral; }
  // RFC 3501 astring: an atom or a string.
  bool is_astring() const { return kind == Kind::kAtom || is_string(); }
};

struct Command {
  std::string tag;
  std::string name;  // upper case; "UID FETCH" etc. for UID commands
  std::vector<Arg> args;
};

struct ParserLimits {
  size_t max_line = 64 * 1024;
  size_t max_command = 256 * 1024;
  uint64_t max_literal = 64ull * 1024 * 1024;
  uint64_t max_literal_nonsync = 64ull * 1024 * 1024;
  size_t max_depth = 16;
  size_t max_tag = 64;
};

class CommandParser {
 public:
  enum class Kind { kNeedMore, kNeedLiteral, kCommand, kError };
  struct Result {
    Kind kind = Kind::kNeedMore;
    size_t consumed = 0;
    Command command;         // kCommand
    uint64_t literal = 0;    // kNeedLiteral: the announced size
    std::string tag;         // kError: the tag if it could be read ("" otherwise)
    std::string error;       // kError: human-readable reason
    bool fatal = false;      // kError: close the connection
    bool too_large = false;  // kError: a literal over the limit (before login: answer BYE)
  };

  explicit CommandParser(ParserLimits limits = {}) : limits_(limits) {}
  // Limits may change between commands (e.g. after login).
  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  const ParserLimits& limits() const { return limits_; }

  Result feed(std::string_view input);

  // Drops a partly received command (e.g. after STARTTLS).
  void reset();

  // True while a command has started but is not complete.
  bool in_command() const { return !raw_.empty() || literal_left_ > 0; }

  // A synchronising literal was rejected by the caller before "+": the parser forgets the
  // command (the client will not send the literal). Used for NO [TOOBIG] on APPEND.
  void reject_literal() { reset(); }

  // The command text received so far (e.g. to read the tag and name when feed() returned
  // kNeedLiteral, so a caller can refuse an APPEND as too big before the "+").
  std::string_view pending_text() const { return raw_; }

 private:
  Result error(size_t consumed, std::string why, bool fatal);

  ParserLimits limits_;
  std::string raw_;             // the command so far, exactly as on the wire
  size_t line_start_ = 0;       // offset in raw_ of the current line
  uint64_t literal_left_ = 0;   // literal bytes still to copy
  size_t text_bytes_ = 0;       // non-literal bytes in raw_
  uint64_t literal_total_ = 0;  // literal bytes announced so far in this command
};

// Parses a whole command from raw bytes (as framed above). Exposed for tests and the fuzzer.
// Returns false with `error` (and `tag` if one was read) set on a syntax error.
bool parse_command(std::string_view raw, const ParserLimits& limits, Command& out,
                   std::string& error);

// True if `c` may appear in an IMAP atom (RFC 3501 ATOM-CHAR).
bool is_atom_char(char c);

// Quotes `s` for the wire: a quoted string if possible, else a literal {N}\r\n...
std::string quote_string(std::string_view s);

}  // namespace imap
