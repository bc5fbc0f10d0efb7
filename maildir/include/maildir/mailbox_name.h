// Mailbox names: the IMAP-level name <-> the Maildir++ folder directory name on disk.
//
// At the API a mailbox name is UTF-8 with '/' as hierarchy separator ("Sent", "Work/2024",
// "下書き"). "INBOX" (any case, as first component) is the root Maildir; its canonical
// spelling is "INBOX". On disk a folder is one directory in the Maildir root named "." plus the
// components joined by '.' (".Sent", ".Work.2024"), each component encoded per NameEncoding:
//   kModifiedUtf7 (default, as Dovecot): ".&Tgtm+DBN-" for "下書き";
//   kUtf8 (as current Courier): the UTF-8 bytes unchanged.
// The encoding is a per-server setting fixed when the tree is created: the same tree read
// with the other setting shows different (or invalid, hence hidden) names.
//
// Choice for a literal '.' inside a component: refused (kInvalidName), exactly as Dovecot
// refuses it with Maildir++ layout and '/' separator. '.' on disk is always a hierarchy
// level, so "a.b" and "a/b" can never alias, and trees stay readable by Dovecot and Courier.
//
// A name is refused with kInvalidName and a message saying why, when it (or a disk name
// after decoding) has: an empty name or component ("a//b", "/a", "a/"), a component "." or
// "..", a '.' anywhere in a component (so also a leading '.'), a component starting with '~',
// a control character (U+0000..U+001F, U+007F..U+009F), invalid UTF-8, a reserved component
// "cur", "new" or "tmp", or (disk side) invalid/non-canonical modified UTF-7.
// Length limits give kLimit: the UTF-8 name may have at most kMaxNameBytes bytes and at most
// kMaxDepth components, and the directory name on disk at most kMaxDirNameBytes (NAME_MAX).
//
// Pure functions: no I/O, callable from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "maildir/status.h"

namespace maildir {

enum class NameEncoding {
  kModifiedUtf7,  // default; Dovecot's on-disk form
  kUtf8,          // Courier's current on-disk form
};

inline constexpr size_t kMaxNameBytes = 255;     // UTF-8 bytes of the whole API name
inline constexpr size_t kMaxDepth = 16;          // components of one name
inline constexpr size_t kMaxDirNameBytes = 255;  // on-disk ".A.B" directory name (NAME_MAX)
inline constexpr char kHierarchySeparator = '/';
inline constexpr std::string_view kInbox = "INBOX";

// True when `name` is INBOX in any case ("inbox", "Inbox"). No validation.
bool is_inbox(std::string_view name);

// Validates `name` and returns its canonical spelling (first component "INBOX" in upper
// case when it is INBOX in any case). Errors as in the file comment.
Result<std::string> normalize_mailbox_name(std::string_view name);

// Splits a validated name into components. REQUIRES: normalize_mailbox_name(name).ok().
std::vector<std::string> split_mailbox_name(std::string_view name);

// The on-disk directory name of mailbox `name`: "" for INBOX, ".Sent", ".Work.2024",
// ".&Tgtm+DBN-"; ".INBOX.Sub" for "INBOX/Sub" (as Dovecot). Errors as in the file comment.
Result<std::string> folder_dir_name(std::string_view name, NameEncoding encoding);

// The reverse: the API name of the directory entry `dir_name` found in a Maildir root.
// `dir_name` must start with '.'; ".INBOX" gives "INBOX". kInvalidName for anything that is
// not a folder tegami would have written (including "." , "..", "..x", ".a..b", ".a.",
// ".inbox.x" spelled other than ".INBOX", bad encodings, names decoding to forbidden
// characters); callers listing a directory skip such entries.
Result<std::string> mailbox_name_from_dir(std::string_view dir_name, NameEncoding encoding);

}  // namespace maildir
