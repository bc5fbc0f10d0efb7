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
  // The view stays private (the operation goes on changing it).
  static Status resync(Mailbox& m) {
    Status s = sync(m, SyncOptions{}, m.pending_);
    unshare(m);
    return s;
  }

  // --- Sharing (view_registry.h; mailbox_share.cpp).
  static bool sharing(const Mailbox& m) { return m.options_.use_index && m.options_.share_view; }
  // Copy-on-write: makes the view private (a copy of the shared snapshot). No-op if private.
  static void unshare(Mailbox& m);
  // After a public sync/open: publishes the private view as the folder's snapshot when its
  // stamps are stable, or adopts an equal snapshot already published. No-op when shared.
  static void share(Mailbox& m);
  // Adopts the registry's snapshot of the folder when `n`, `c`, `u` (stat()s just taken) are
  // its stamps and the difference from the view is one a sync could report (no UID the view
  // must not take back); the difference is added to `out`. False: nothing changed.
  static bool adopt(Mailbox& m, const DirStamp& n, const DirStamp& c, const DirStamp& u,
                    SyncChanges& out);

  static std::string_view name_of(const Mailbox& m, const MessageRecord& r) {
    return std::string_view(m.pool().data() + r.name_off, r.name_len);
  }
  static std::string subdir_path(const Mailbox& m, MessageDir d) {
    return m.dir_ + (d == MessageDir::kCur ? "/cur" : "/new");
  }
};

// Appends the sorted UID list `more` to the sorted `into`, keeping it sorted and unique.
void merge_uids(std::vector<std::uint32_t>& into, const std::vector<std::uint32_t>& more);

}  // namespace maildir
