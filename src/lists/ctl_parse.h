// The command language of `<list>-ctl@domain` mails (fml / majordomo style, one command per
// line in the text of the mail; the Subject counts as a first line, so the List-Help and
// List-Unsubscribe mailto: links work). Pure; any thread.
//
//   help                         this text
//   members                      the members with their comments
//   add <address> [comment...]   add a member
//   remove <address>             remove a member (and its admin right)
//   comment <address> <text...>  set a member's comment
//   admins                       the list admins
//   addadmin <address>           make a member an admin
//   deladmin <address>           take the admin right away
// Blank lines, lines starting with '#' or '>' (quoted text) are skipped; a line "end" or a
// signature separator "-- " ends the commands. A subject that is not a command ("Re: ...") is
// ignored; a body line that is not a command is reported as an error. At most kMaxCommands
// commands are read; a line longer than kMaxLine is an error, never executed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tegami_lists {

inline constexpr std::size_t kMaxCommands = 100;
inline constexpr std::size_t kMaxLine = 1000;

struct CtlCommand {
  enum class Verb { kHelp, kMembers, kAdd, kRemove, kComment, kAdmins, kAddAdmin, kDelAdmin, kBad };
  Verb verb = Verb::kBad;
  std::string line;     // the line as written (trimmed), for the reply
  std::string address;  // add, remove, comment, addadmin, deladmin
  std::string text;     // add: comment (may be empty); comment: the new comment; kBad: why
};

// `subject` (decoded) and `body` (decoded text, any line ends).
std::vector<CtlCommand> parse_ctl_commands(std::string_view subject, std::string_view body);

// The help text (English and Japanese).
std::string ctl_help(std::string_view list_address);

}  // namespace tegami_lists
