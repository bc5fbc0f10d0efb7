// The one place a storage error becomes an IMAP response (RFC 5530 response codes).
#pragma once

#include <string>
#include <string_view>

#include "maildir/status.h"

namespace imap {

// The response code for `code` without brackets ("CANNOT", "NONEXISTENT", "OVERQUOTA", ...),
// "" for kOk.
std::string_view response_code(maildir::Code code);

// "NO [CODE] text" for a failed storage call (the text is the status message for codes the
// client can act on, a generic text for internal errors so no paths leak).
// `target`: the status concerns the target of COPY/MOVE/APPEND, where a missing mailbox is
// answered NO [TRYCREATE] (RFC 3501 6.4.7).
std::string no_response(const maildir::Status& status, bool target = false);

}  // namespace imap
