// Internal to the storage library: the parts of Mailbox that mailbox.cpp, mailbox_sync.cpp
// and mailbox_ops.cpp share. Not a public header.
#pragma once

#include <string>
#include <string_view>

#include "maildir/mailbox.h"

namespace maildir {

class MailboxInternals {
 public:
  // One sync pass loop (mailbox_sync.cpp); adds what it finds to `out`.
  static Status sync(Mailbox& m, const SyncOptions& options, SyncChanges& out);

  // The folder's UidList, loaded on first use, refreshed when `refresh`.
  static Result<UidList*> uidlist(Mailbox& m, bool refresh);

  // Points `r` at `name` (appended to the pool) and sets base_len, flags, keywords and the
  // ,S= / ,W= sizes (when the name has them) from it.
  static void set_name(Mailbox& m, MessageRecord& r, std::string_view name);
  // Rebuilds the pool when most of it is garbage.
  static void maybe_compact(Mailbox& m);
  // Rebuilds the pool with only the names the records point to.
  static void compact(Mailbox& m);

  // Removes the records at the positions flagged in `gone` (same size as records_), adding
  // their UIDs to expunged_uids_ and to `expunged`.
  static void remove_records(Mailbox& m, const std::vector<char>& gone,
                             std::vector<std::uint32_t>& expunged);

  static Status write_cache(Mailbox& m);

  // Removes the records of `uids` (as remove_records) — for operations that deleted them.
  static void drop_uids(Mailbox& m, const std::vector<std::uint32_t>& uids) {
    std::vector<char> gone(m.records_.size(), 0);
    for (std::uint32_t u : uids) {
      if (std::optional<std::size_t> i = m.find_uid(u)) gone[*i] = 1;
    }
    std::vector<std::uint32_t> ignored;
    remove_records(m, gone, ignored);
  }
  // A sync inside an operation; what it finds waits in pending_ for the next Mailbox::sync().
  static Status resync(Mailbox& m) { return sync(m, SyncOptions{}, m.pending_); }

  static std::string_view name_of(const Mailbox& m, const MessageRecord& r) {
    return std::string_view(m.names_.data() + r.name_off, r.name_len);
  }
  static std::string subdir_path(const Mailbox& m, MessageDir d) {
    return m.dir_ + (d == MessageDir::kCur ? "/cur" : "/new");
  }
};

// Appends the sorted UID list `more` to the sorted `into`, keeping it sorted and unique.
void merge_uids(std::vector<std::uint32_t>& into, const std::vector<std::uint32_t>& more);

}  // namespace maildir
