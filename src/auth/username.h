// Which login names tegami accepts, checked before any account lookup (SASL, POP3 USER, IMAP
// LOGIN), so that a lookup never sees control characters, spaces or over-long input.
//
// A valid username is an address `local@domain`:
//   - 3 to kMaxUsernameBytes (254, RFC 5321's path limit less the brackets) bytes;
//   - only printable ASCII 0x21..0x7E, none of the address specials  " ( ) , : ; < > [ \ ]
//     and no `/` (so a name can never look like a path);
//   - exactly one `@`, with a non-empty local part and a non-empty domain.
// Case is not changed here: the account lookup decides how to compare (domains are
// case-insensitive).
//
// Thread safety: pure function, any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace tegami_auth {

inline constexpr size_t kMaxUsernameBytes = 254;

bool username_is_valid(std::string_view name);

}  // namespace tegami_auth
