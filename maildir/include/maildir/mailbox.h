// Mailbox: the synced view of one Maildir folder that IMAP and POP3 sessions work on.
//
// The view is a vector of compact MessageRecords in ascending UID order (UID, system flags,
// keyword letters, size, vsize, internal date = the file's mtime, file name and subdirectory),
// plus UIDVALIDITY, UIDNEXT and the mailbox GUID from dovecot-uidlist. The files are the truth:
// sync() brings the view in step with them, whoever changed them (another tegami process,
// Dovecot, mutt, a restore from backup), and reports what changed so the protocol layers can
// send EXPUNGE / EXISTS / FETCH. How a sync works, and why, is written at the top of
// maildir/src/mailbox_sync.cpp.
//
// Caching: open() and sync() use the folder's tegami-index (index.h): a warm open with no
// changes reads only that file and stats new/, cur/ and dovecot-uidlist. The cache is
// rewritten after a sync that changed something; deleting it loses nothing.
//
// Operations (mailbox_ops.cpp) — each is durable (renames/links/unlinks fsync'ed) before it
// returns success: store flags/keywords, expunge, copy and move to another folder, and
// append_to_folder() (the IMAP APPEND path, also usable without an open Mailbox).
// Quota (maildirsize at the Maildir root) is kept right for expunge, copy and append; a move
// within one Maildir leaves the usage unchanged.
//
// Sharing: unless MailboxOptions::share_view is off, the view is the process-wide snapshot of
// the folder (view_registry.h) while it is in step with it; a Mailbox copies it before it
// changes anything, and publishes its view again after a sync that leaves it stable.
//
// Thread safety: a Mailbox is owned by one thread at a time (a session, or a worker thread
// doing its sync). Any number of Mailbox objects, in any number of processes and hosts, may
// work on one folder at once; they coordinate through the files and dovecot-uidlist.lock.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "maildir/delivery.h"
#include "maildir/dir_stamp.h"
#include "maildir/flags.h"
#include "maildir/index.h"
#include "maildir/keywords.h"
#include "maildir/message.h"
#include "maildir/quota.h"
#include "maildir/status.h"
#include "maildir/uidlist.h"
#include "maildir/view_registry.h"

namespace maildir {

struct MailboxOptions {
  // Read and write tegami-index. Off: every open scans (tests, `check`).
  bool use_index = true;
  // Quota of the user's Maildir, used for expunge/copy/append bookkeeping and checks.
  QuotaOptions quota;
  QuotaPolicy quota_policy = QuotaPolicy::kOvershoot;
  // The Maildir root holding maildirsize. Empty: the parent of the folder when the folder has
  // a `maildirfolder` marker, else the folder itself (INBOX).
  std::string quota_root;
  // How long to wait for dovecot-uidlist.lock when UIDs or keywords must be assigned.
  std::chrono::milliseconds lock_wait{5000};
  // Share the view with the other Mailboxes of this process through ViewRegistry
  // (view_registry.h). Only together with use_index.
  bool share_view = true;
};

struct SyncOptions {
  // Move files from new/ to cur/ (adding ":2,"), as IMAP SELECT (read-write) does. Off for
  // EXAMINE and POP3, which leave new mail "recent".
  bool move_new_to_cur = false;
};

// What a sync (or an operation's internal re-sync) found. UIDs ascending in each list.
struct SyncChanges {
  std::vector<std::uint32_t> expunged;       // gone from the view
  std::vector<std::uint32_t> added;          // new in the view
  std::vector<std::uint32_t> flags_changed;  // system flags or keywords differ
  bool keywords_changed = false;             // dovecot-keywords changed (IMAP FLAGS list)
  // dovecot-uidlist was replaced by one with another UIDVALIDITY (or lost and rebuilt): every
  // old UID is void; IMAP must end the session's SELECT state, POP3 must end the session.
  bool uidvalidity_changed = false;

  bool empty() const {
    return expunged.empty() && added.empty() && flags_changed.empty() && !keywords_changed &&
           !uidvalidity_changed;
  }
};

// How STORE changes flags.
enum class StoreMode { kReplace, kAdd, kRemove };

struct FlagStore {
  StoreMode mode = StoreMode::kAdd;
  std::uint8_t system = 0;            // SystemFlag bits
  std::vector<std::string> keywords;  // IMAP keywords (validated; case-insensitive)
};

struct StoredFlags {
  std::uint32_t uid = 0;
  MessageFlags flags;  // the flags the message has now
};

// A message that got a new UID in another folder (COPYUID / MOVE).
struct UidMapping {
  std::uint32_t source_uid = 0;
  std::uint32_t target_uid = 0;
};

struct CopyResult {
  std::uint32_t target_uidvalidity = 0;
  std::vector<UidMapping> mapping;  // in source UID order
};

struct AppendOptions {
  MessageFlags flags;                            // system flags (keyword bits are ignored)
  std::vector<std::string> keywords;             // IMAP keywords, mapped through the target's table
  std::optional<struct timespec> internal_date;  // nullopt: now
  std::uint64_t max_size = kDefaultMaxMessageSize;
  QuotaOptions quota;
  QuotaPolicy quota_policy = QuotaPolicy::kOvershoot;
  std::string quota_root;  // as MailboxOptions::quota_root
};

struct Appended {
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
  std::string name;  // file name in cur/
};

class Mailbox {
 public:
  Mailbox(Mailbox&&) noexcept = default;
  Mailbox& operator=(Mailbox&&) noexcept = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Opens the folder directory `folder_dir` (holding tmp/ new/ cur/; missing ones are created,
  // as Dovecot does) and syncs it once (without moving new/ to cur/). kNotFound if the folder
  // directory does not exist; errors of the first sync otherwise.
  static Result<Mailbox> open(const std::string& folder_dir, MailboxOptions options = {});

  // Brings the view in step with the files and returns what changed since the last sync,
  // including changes found by internal re-syncs of operations in between. Cheap (three stats)
  // when nothing changed. Assigns UIDs to new files under dovecot-uidlist.lock (kLocked when
  // the lock stays held longer than lock_wait). kNotFound if new/ or cur/ vanished.
  Result<SyncChanges> sync(const SyncOptions& options = {});

  // --- The view (valid until the next non-const call).
  const std::string& dir() const { return dir_; }
  std::size_t count() const { return recs().size(); }
  const MessageRecord& record(std::size_t i) const { return recs()[i]; }
  std::span<const MessageRecord> records() const { return recs(); }
  // The UIDs of the view in order, when the view is a shared snapshot (ViewRegistry); else
  // nullptr. Sessions whose sequence map equals it share it instead of a copy.
  std::shared_ptr<const std::vector<std::uint32_t>> shared_uids() const;
  // True when the view is the registry's shared snapshot, not a private copy.
  bool view_is_shared() const { return shared_ != nullptr; }
  // Position of `uid` in the view, or nullopt.
  std::optional<std::size_t> find_uid(std::uint32_t uid) const;
  std::string_view file_name(std::size_t i) const;
  std::string_view base_name(std::size_t i) const;
  MessageFlags flags(std::size_t i) const;
  // Absolute path of the message file as last seen ("<dir>/cur/<name>").
  std::string path(std::size_t i) const;
  // Size on disk: ,S= of the name, else the file's st_size (stat'ed once, then cached).
  // kNotFound when the file vanished (a sync will report it).
  Result<std::uint64_t> size(std::size_t i);
  // Internal date: the file's mtime in seconds (stat'ed once, then cached). kNotFound as size().
  Result<std::int64_t> internal_date(std::size_t i);
  // RFC822.SIZE: ,W= of the name, else computed by reading the file once (then cached).
  // kNotFound when the file vanished (a sync will report it).
  Result<std::uint64_t> vsize(std::size_t i);

  std::uint32_t uid_validity() const { return uid_validity_; }
  std::uint32_t uid_next() const { return uid_next_; }
  const std::string& guid() const { return guid_; }
  // The keyword table (dovecot-keywords) as of the last sync.
  const Keywords& keywords() const { return keywords_; }
  // The Maildir root whose maildirsize counts this folder.
  const std::string& quota_root() const { return quota_root_; }
  // True when the last open/sync was answered from tegami-index without listing a directory.
  bool last_sync_from_cache() const { return last_from_cache_; }

  // --- Operations (UIDs not in the view are ignored, as IMAP ignores them).

  // Changes flags of `uids`: renames in cur/ (a file still in new/ moves to cur/), retrying
  // after a re-sync when another process renamed the file meanwhile. Keywords without a letter
  // get one in dovecot-keywords (kLimit when all 26 are taken, before anything is renamed).
  // Returns the resulting flags of every message that was found (also unchanged ones).
  Result<std::vector<StoredFlags>> store(std::span<const std::uint32_t> uids,
                                         const FlagStore& change);

  // Deletes the files of `uids` (one maildirsize line "-<size> -1" each) and removes them from
  // the view. Returns the UIDs expunged by this call (messages already gone are not listed;
  // the next sync reports them).
  Result<std::vector<std::uint32_t>> expunge(std::span<const std::uint32_t> uids);

  // Copies `uids` into the folder `target_dir` (hard link when possible, else a copy through
  // MessageWriter), with the same flags and internal date and new UIDs from the target's
  // dovecot-uidlist. Checks the quota first (kOverQuota, nothing copied) and records the added
  // usage. The source view is unchanged.
  Result<CopyResult> copy_to(std::span<const std::uint32_t> uids, const std::string& target_dir);

  // Moves `uids` into `target_dir` by rename; the target keeps the source UID when its
  // dovecot-uidlist allows it (UID >= its UIDNEXT), else gives a new one. The messages leave
  // the view; `moved` lists their source UIDs (send EXPUNGE for them). Quota unchanged within
  // one Maildir, else moved from the source's to the target's maildirsize.
  Result<CopyResult> move_to(std::span<const std::uint32_t> uids, const std::string& target_dir,
                             std::vector<std::uint32_t>* moved = nullptr);

  // Writes tegami-index now if the view has changes not yet written (sync() does this itself
  // after a changing sync; call before closing to keep computed vsizes).
  Status save_index();

  // Gives back memory the view does not need while its owner waits (an IMAP session in IDLE):
  // the loaded dovecot-uidlist (read again by the next sync that finds new files), the spare
  // capacity of the records and of the name pool, and the pool's unused names. The view
  // itself is unchanged.
  void release_memory();

 private:
  friend class MailboxInternals;  // maildir/src/mailbox_internal.h
  Mailbox() = default;
  Status load_stat(std::size_t i);
  const std::vector<MessageRecord>& recs() const { return shared_ ? shared_->records : records_; }
  const std::string& pool() const { return shared_ ? shared_->names : names_; }

  std::string dir_;
  MailboxOptions options_;
  std::string quota_root_;
  // The view: the registry's snapshot while shared_ is set (records_ and names_ then empty),
  // else the private records_ and names_ (copy-on-write: MailboxInternals::unshare()).
  std::shared_ptr<const ViewSnapshot> shared_;
  std::vector<MessageRecord> records_;
  std::string names_;              // pool for records_[i].name_off/name_len
  std::size_t names_garbage_ = 0;  // bytes in names_ no record points to any more
  std::uint32_t uid_validity_ = 0;
  std::uint32_t uid_next_ = 0;
  std::uint32_t max_uid_seen_ = 0;            // highest UID the view ever held
  std::vector<std::uint32_t> expunged_uids_;  // reported expunged by this view, ascending
  std::string guid_;
  IndexStamp known_new_, known_cur_, known_uidlist_;
  std::optional<UidList> uidlist_;  // loaded when needed (not on a warm open)
  Keywords keywords_;
  SyncChanges pending_;        // found by internal re-syncs, returned by the next sync()
  bool index_dirty_ = false;   // records differ from the last written tegami-index
  bool stamps_dirty_ = false;  // known stamps differ from the last written tegami-index
  bool last_from_cache_ = false;
  bool force_rescan_ = false;
};

// Appends a message (IMAP APPEND) to the folder `folder_dir`: written through MessageWriter
// into cur/ with the given flags and internal date (durable, quota checked and recorded), then
// given a UID in the folder's dovecot-uidlist. kOverQuota / kLimit / kInvalidArgument from the
// checks, before anything is stored.
Result<Appended> append_to_folder(const std::string& folder_dir, std::string_view message,
                                  const AppendOptions& options = {});
Result<Appended> append_to_folder(const std::string& folder_dir, const MessageReader& reader,
                                  const AppendOptions& options = {});

// The Maildir root holding maildirsize for `folder_dir`: its parent when it has a
// `maildirfolder` marker file, else the folder itself.
std::string quota_root_of(const std::string& folder_dir);

}  // namespace maildir
