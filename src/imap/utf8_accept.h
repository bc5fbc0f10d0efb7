// UTF8=ACCEPT (RFC 6855): the rules other commands follow once the client has sent
// ENABLE UTF8=ACCEPT (Session::enabled()). Before that nothing changes.
//
// - Mailbox names are UTF-8 both ways (mailbox_names.h, WireNames::kUtf8).
// - Quoted strings may carry UTF-8 (the parser always took 8-bit bytes in them).
// - SEARCH with a CHARSET other than UTF-8/US-ASCII, and SORT/THREAD with such a charset,
//   conflict with the UTF-8 strings: BAD (section 3 and its erratum 4029).
// - APPEND takes the message as `UTF8 (~{n}...)` (section 4), stored as it is.
// - FETCH sends UTF-8 header fields as stored (never downgraded).
//
// Pure.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "imap/parser.h"

namespace imap {

// True when a search charset must be refused (BAD) on a session with UTF8=ACCEPT enabled.
bool charset_conflicts_utf8(bool utf8_accept, std::string_view charset);

// APPEND's message argument at args[i]: a literal (returns it), or with UTF8=ACCEPT enabled
// the `UTF8` atom and a list holding one literal8 (RFC 6855 section 4), which consumes two
// arguments. nullptr when neither (the caller answers BAD); `i` is moved past what was used.
Arg* append_message_arg(std::vector<Arg>& args, size_t& i, bool utf8_accept);

}  // namespace imap
