// Mailbox names between the IMAP wire (modified UTF-7 astrings) and the storage API (UTF-8 with
// '/'), and the SPECIAL-USE folders (RFC 6154). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "imap/parser.h"
#include "maildir/status.h"

namespace imap {

// How mailbox names travel: modified UTF-7 (RFC 3501), or UTF-8 once the client has sent
// ENABLE UTF8=ACCEPT (RFC 6855 section 3).
enum class WireNames { kMutf7, kUtf8 };

// The canonical API name of a mailbox argument: an astring, strict modified UTF-7 decoded
// (kUtf8: valid UTF-8 taken as it is), then maildir::normalize_mailbox_name (which refuses
// every traversal form: "..", leading '/' or '~', control characters, '.' inside a component,
// reserved names). kInvalidName otherwise.
maildir::Result<std::string> mailbox_from_wire(const Arg& arg, WireNames names = WireNames::kMutf7);

// The wire form of an API name: modified UTF-7, quoted (or a literal when needed); kUtf8: the
// UTF-8 name, quoted when it has no control characters.
std::string mailbox_to_wire(std::string_view name, WireNames names = WireNames::kMutf7);

// A LIST reference or pattern in UTF-8 (the API's form); kInvalidName when it cannot be one.
maildir::Result<std::string> pattern_from_wire(std::string_view text, WireNames names);

struct SpecialUse {
  std::string name;            // folder name (API form), from the config's `imap:` section
  std::string_view attribute;  // "\\Sent"
};
// Drafts, Sent, Trash, Junk, Archive under their configured names: created on first login.
std::vector<SpecialUse> special_use_folders(const tegami::config::ImapConfig& config);
// The SPECIAL-USE attribute of a folder name ("" if none).
std::string_view special_use_attribute(const tegami::config::ImapConfig& config,
                                       std::string_view name);

// IMAP LIST pattern matching on API names: '*' matches anything, '%' anything but '/'.
// INBOX is matched case-insensitively as the pattern's first component.
bool list_match(std::string_view pattern, std::string_view name);

}  // namespace imap
