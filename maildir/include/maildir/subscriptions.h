// IMAP subscriptions, stored as Dovecot does in the Maildir root's `subscriptions` file.
//
// Written format (Dovecot version 2): "V\t2\n\n", then one mailbox per line, hierarchy levels
// separated by TAB ("Work\t2024"). Each level is in the tree's NameEncoding, as Dovecot 2.3
// writes it (checked against the real Dovecot): modified UTF-7 by default ("&Tgtm+DBN-" for
// 下書き, "R&-D"), raw UTF-8 with kUtf8. Reading in kModifiedUtf7 also accepts a level that is
// not valid modified UTF-7 but valid UTF-8 (files written by UTF-8 tools).
// Read: version 2; version 1 (no header, one name per line with the hierarchy separator, '/'
// or '.'); and, when `subscriptions` does not exist, Courier's `courierimapsubscribed` (one
// folder per line, "INBOX.Sent.2024", levels in modified UTF-7 or UTF-8). Lines that are not
// valid mailbox names are dropped on read.
// Names are kept in canonical form (normalize_mailbox_name) and sorted; subscribing to a
// name does not require the mailbox to exist (RFC 3501).
//
// Writes go to a temporary file in the root's tmp/, fsync, rename over `subscriptions`,
// fsync the root. subscribe()/unsubscribe() do the read-modify-write under the dot-lock
// `subscriptions.lock` (as Dovecot), so concurrent sessions do not lose each other's changes.
//
// Thread safety: the free functions may be called from any thread; a Subscriptions value is
// owned by one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "maildir/mailbox_name.h"
#include "maildir/status.h"

namespace maildir {

class Subscriptions {
 public:
  // Reads the subscriptions of the Maildir at `root`. A missing file gives an empty set.
  // kIo/kPermission if a file exists but cannot be read.
  static Result<Subscriptions> load(const std::string& root,
                                    NameEncoding encoding = NameEncoding::kModifiedUtf7);

  // Sorted canonical names.
  const std::vector<std::string>& names() const { return names_; }
  bool contains(std::string_view name) const;

  // Adds / removes a name; false if nothing changed. kInvalidName/kLimit for a refused name.
  Result<bool> add(std::string_view name);
  Result<bool> remove(std::string_view name);

  // Writes the set to `root`/subscriptions (version 2), durably. Does not take the lock.
  Status save(const std::string& root, NameEncoding encoding = NameEncoding::kModifiedUtf7) const;

  // The file contents save() writes.
  std::string serialize(NameEncoding encoding = NameEncoding::kModifiedUtf7) const;
  // Parses `subscriptions` contents (version 1 or 2); invalid lines dropped.
  static Subscriptions parse_dovecot(std::string_view contents,
                                     NameEncoding encoding = NameEncoding::kModifiedUtf7);
  // Parses `courierimapsubscribed` contents; invalid lines dropped.
  static Subscriptions parse_courier(std::string_view contents);

 private:
  std::vector<std::string> names_;
};

// Read-modify-write under `subscriptions.lock`. kLocked if the lock stays held (10 s).
Status subscribe(const std::string& root, std::string_view name,
                 NameEncoding encoding = NameEncoding::kModifiedUtf7);
Status unsubscribe(const std::string& root, std::string_view name,
                   NameEncoding encoding = NameEncoding::kModifiedUtf7);
Result<std::vector<std::string>> list_subscriptions(
    const std::string& root, NameEncoding encoding = NameEncoding::kModifiedUtf7);

}  // namespace maildir
