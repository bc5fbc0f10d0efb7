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

// The canonical API name of a mailbox argument: an astring, strict modified UTF-7 decoded,
// then maildir::normalize_mailbox_name (which refuses every traversal form: "..", leading '/'
// or '~', control characters, '.' inside a component, reserved names). kInvalidName otherwise.
maildir::Result<std::string> mailbox_from_wire(const Arg& arg);

// The wire form of an API name: modified UTF-7, quoted (or a literal when needed).
std::string mailbox_to_wire(std::string_view name);

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
