// STATUS data of a mailbox (RFC 3501 6.3.10, SIZE of RFC 8438), shared by STATUS and by
// LIST ... RETURN (STATUS (...)) (RFC 5819).
#pragma once

#include <string>
#include <vector>

#include "imap/mailbox_names.h"
#include "imap/parser.h"
#include "maildir/maildir.h"
#include "maildir/status.h"

namespace imap {

// Parses a STATUS item list "(MESSAGES UNSEEN ...)" into upper-case item names. Items:
// MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE DELETED DELETED-STORAGE. False (and `error` set)
// when the argument is not a non-empty list of known atoms.
bool parse_status_items(const Arg& list, std::vector<std::string>& items, std::string& error);

// "* STATUS <name> (<item> <value> ...)\r\n" for the folder with API name `name`. Blocking
// (opens and syncs the folder; SIZE may read message files whose RFC822.SIZE is not known
// yet, and then keeps them in tegami-index). Errors as maildir::Mailbox::open.
maildir::Result<std::string> status_response(maildir::Maildir& md, const std::string& name,
                                             const std::vector<std::string>& items,
                                             WireNames names = WireNames::kMutf7);
// The same for a folder given by its directory (a shared list archive, shared_archive.h).
maildir::Result<std::string> status_response_at(const std::string& folder_dir,
                                                const std::string& name,
                                                const std::vector<std::string>& items,
                                                WireNames names = WireNames::kMutf7);

}  // namespace imap
