// Modification sequences (IMAP CONDSTORE/QRESYNC, RFC 7162) for one Maildir folder.
//
// Maildir has no modseqs, so tegami keeps them in its own file `<folder>/tegami-modseq`
// (format in docs/formats.md): an append-only log of checksummed records, each saying
// "message UID had these flags at modseq M" or "message UID was expunged at modseq M".
// HIGHESTMODSEQ is the largest modseq in the file (or its base). Every change gets the next
// modseq, whoever made it: a ModseqLog compares what its Mailbox view shows with the last
// record of each message, so a STORE by tegami, a POP3 \Seen, a rename by mutt or Dovecot, a
// new file and a deleted file all become new records — the first tegami session that notices
// writes the record (under the folder's dovecot-uidlist.lock), the others read it.
//
// The file is a cache in DESIGN.md's sense: deleted or damaged, it is rebuilt with a base
// modseq that is larger than any modseq handed out before (max of the current time in
// microseconds and whatever can be read of the old file), so no client ever sees a modseq go
// backwards; clients only re-fetch flags.
//
// Blocking file I/O: call from a worker thread. A ModseqLog is owned by one thread at a time,
// like the Mailbox it follows; any number of them, in any processes, share a folder. Each
// process keeps the parsed file of big folders in a small mutex-guarded cache (checked by
// inode, header and last record before use), so opening a log reads only what was appended.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "maildir/mailbox.h"
#include "maildir/status.h"

namespace maildir {

inline constexpr const char* kModseqFileName = "tegami-modseq";

class ModseqLog {
 public:
  // Reads (or creates) the folder's tegami-modseq and brings it in step with `mailbox`'s view:
  // messages whose flags differ from their last record, messages without a record and
  // records of messages no longer in the view get new records. kLocked when the uidlist lock
  // stays held longer than `lock_wait`; kIo/kNoSpace/kPermission from the file system.
  static Result<ModseqLog> open(const Mailbox& mailbox,
                                std::chrono::milliseconds lock_wait = std::chrono::seconds(5));

  // After a sync or an operation of `mailbox`: reads what other processes appended, then
  // records `changed` (flags changed or new; UIDs in the view) and `expunged` (UIDs gone)
  // that nobody has recorded yet. Also retries what an earlier call could not record.
  // Errors as open(); on error the unrecorded UIDs are kept and retried by the next call.
  Status update(const Mailbox& mailbox, std::span<const std::uint32_t> changed,
                std::span<const std::uint32_t> expunged);

  // The modseq of message `uid` (the base for a message with no newer record).
  std::uint64_t modseq(std::uint32_t uid) const;
  // HIGHESTMODSEQ: the largest modseq given in this folder.
  std::uint64_t highest() const { return highest_; }
  std::uint32_t uid_validity() const { return uid_validity_; }
  // UIDs (of the view or not) whose modseq is above `since`, ascending, without looking at
  // every message; nullopt when `since` is below the base (then every message is).
  std::optional<std::vector<std::uint32_t>> changed_since(std::uint64_t since) const;
  // UIDs expunged with a modseq above `since`, ascending. Exact when `since` is at least
  // vanished_floor(); below it expunges may have been forgotten (nullopt: the caller must
  // assume any UID it does not see was expunged).
  std::optional<std::vector<std::uint32_t>> expunged_since(std::uint64_t since) const;
  std::uint64_t vanished_floor() const { return vanished_floor_; }

  // Pure helpers for tests and tools: the time-based base of a rebuilt file.
  static std::uint64_t fresh_base(std::uint64_t at_least);

 private:
  struct Entry {  // the last state record of a message whose modseq is above base_
    std::uint64_t modseq;
    std::uint32_t uid;
    std::uint32_t keywords;
    std::uint8_t flags;
  };
  struct Gone {
    std::uint32_t uid;
    std::uint64_t modseq;
  };
  ModseqLog() = default;
  Status load(const Mailbox& mailbox, bool reconcile_all);
  Status read_tail(bool& replaced);
  Status record(const Mailbox& mailbox, std::vector<std::uint32_t> changed,
                std::vector<std::uint32_t> expunged);
  Status compact_locked(const std::string& appended);
  void apply_state(std::uint32_t uid, std::uint64_t modseq, std::uint8_t flags,
                   std::uint32_t keywords);
  void apply_gone(std::uint32_t uid, std::uint64_t modseq);
  const Entry* find(std::uint32_t uid) const;
  bool is_gone(std::uint32_t uid) const;

  std::string dir_;
  std::chrono::milliseconds lock_wait_{5000};
  std::uint32_t uid_validity_ = 0;
  std::uint64_t base_ = 0;
  std::uint64_t vanished_floor_ = 0;
  std::uint64_t highest_ = 0;
  std::uint64_t dev_ = 0, ino_ = 0;
  std::uint64_t offset_ = 0;  // bytes of the file read and verified
  std::uint64_t records_in_file_ = 0;
  std::vector<Entry> entries_;  // ascending UID
  std::vector<Gone> gone_;      // ascending UID
  std::vector<std::uint32_t> pending_changed_, pending_expunged_;
};

}  // namespace maildir
