// Maildir++ quota: the `maildirsize` file at the root of a user's Maildir (FORMATS.md).
//
// File format: a first line with the quota definition (`<bytes>S`, `<count>C`, comma-separated,
// only non-zero parts; an empty line means no limit), then one `<bytes> <count>` line per
// change. Readers accept any whitespace; totals are the sum of all lines. Lines are appended
// with O_APPEND in one write(2). The file is recalculated — new/ and cur/ of the root and of
// every `.Folder` scanned, the new file written in tmp/ and renamed over maildirsize, then the
// directories re-stat'ed and the whole thing redone if any changed — when:
//   - it is missing, or its first line differs from the configured limit;
//   - it is 5120 bytes or larger;
//   - the totals are negative or a line is unparsable;
//   - the totals say over quota and the file has more than one change line or is older than
//     15 minutes (an over-quota verdict is only trusted from a freshly recalculated file).
// A message's size is the `,S=<n>` of its file name, else the file's st_size.
//
// What counts (QuotaOptions::count_trash): by default everything counts, Dovecot's rule (mail
// in Trash still takes disk space, and Dovecot sharing the tree then agrees with tegami). With
// count_trash = false, Courier's rule: the `.Trash` folder and messages flagged T are skipped;
// then a caller moving mail into Trash (or setting T) records the negative change itself.
//
// Concurrency: several processes and threads may deliver, expunge and recalculate at once.
// update() holds a shared flock(2) on the root directory around "file operation + appended
// line", and recalculation holds it exclusively, so a recount never double-counts or misses a
// change made by tegami. Where the file system refuses the lock (NFS turns flock into POSIX
// locks, which a directory cannot take exclusively), tegami works without it as Courier does,
// and the next recalculation corrects any drift. Other writers (Dovecot, Courier) take no lock.
//
// Thread safety: a Quota object holds no mutable state and may be shared between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "maildir/env.h"
#include "maildir/status.h"

namespace maildir {

inline constexpr std::uint64_t kBytesPerMegabyte = 1048576;
inline constexpr std::uint64_t kDefaultMaxMessageSize = 20 * kBytesPerMegabyte;

// A quota definition; 0 means "no limit" for that part.
struct QuotaLimit {
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;

  static QuotaLimit megabytes(std::uint64_t mb, std::uint64_t count = 0) {
    return QuotaLimit{mb * kBytesPerMegabyte, count};
  }
  bool unlimited() const { return bytes == 0 && count == 0; }
  bool operator==(const QuotaLimit&) const = default;
};

// The maildirsize first line for `limit`, without the newline: "10485760S,1000C", "10485760S",
// "1000C", or "" when unlimited.
std::string format_quota_limit(const QuotaLimit& limit);
// Parses a first line; kCorrupt if it is not of that form.
Result<QuotaLimit> parse_quota_limit(std::string_view line);

// The parsed content of a maildirsize file (pure: no I/O).
struct MaildirSize {
  QuotaLimit limit;
  std::int64_t bytes = 0;  // sum of all change lines
  std::int64_t count = 0;
  std::size_t lines = 0;  // change lines after the first
  bool valid = true;      // false when a line was unparsable or a sum overflowed
};
MaildirSize parse_maildirsize(std::string_view content);

enum class QuotaPolicy {
  // Accept while the usage before the message is under the limit, so one message may take the
  // mailbox over it, but not past limit + grace; refuse once at or over the limit. Default.
  kOvershoot,
  // Refuse a message that would not fit: usage + size > limit (or count + 1 > count limit).
  kStrict,
};

struct QuotaOptions {
  // The configured limit; written as the file's first line (a file with another first line is
  // recalculated). nullopt: use whatever limit the existing file states (tools, other daemons).
  std::optional<QuotaLimit> limit;
  // How far past the byte limit kOvershoot lets one message go. Default: the max message size.
  std::uint64_t grace_bytes = kDefaultMaxMessageSize;
  bool count_trash = true;  // see the top of this file
  Env* env = nullptr;       // nullptr: Env::posix()
};

struct QuotaUsage {
  std::int64_t bytes = 0;
  std::int64_t count = 0;
  QuotaLimit limit;
  bool recalculated = false;  // this call rewrote maildirsize
};

class Quota {
 public:
  // `root_dir` is the user's Maildir (INBOX), where maildirsize lives.
  Quota(std::string root_dir, QuotaOptions options = {});

  const std::string& root_dir() const { return root_; }
  const QuotaOptions& options() const { return options_; }

  // The current usage: reads maildirsize and recalculates it first when the rules above say so.
  // Errors: kIo/kNoSpace/kPermission/kNotFound (root missing) from the file system.
  Result<QuotaUsage> usage() const;

  // OK when a message of `size` bytes (on disk) may be stored under `policy`; kOverQuota with a
  // message saying why otherwise. Unlimited quota: always OK (without touching the disk); with
  // no configured limit and no maildirsize: OK after one stat.
  Status check(std::uint64_t size, QuotaPolicy policy = QuotaPolicy::kOvershoot) const;

  // Appends "<delta_bytes> <delta_count>" (e.g. "-4096 -1" after an expunge). Does nothing
  // when no quota is configured and maildirsize does not exist.
  Status record(std::int64_t delta_bytes, std::int64_t delta_count) const;

  // Runs `op` (the rename/unlink that changes the mailbox) and, when it succeeds, appends the
  // change line, both under the shared lock so a concurrent recalculation sees both or neither.
  // If the append fails after `op` succeeded, the append's error is returned and the caller
  // must undo `op`. Returns op's error unchanged when op fails (nothing is appended).
  // REQUIRES: `op` does not call usage()/check()/recalculate() (the lock is not re-entrant).
  Status update(std::int64_t delta_bytes, std::int64_t delta_count,
                const std::function<Status()>& op) const;

  // Rescans the Maildir and atomically replaces maildirsize. The limit written is the
  // configured one, else the existing file's, else none.
  Result<QuotaUsage> recalculate() const;

 private:
  Env& env() const { return options_.env != nullptr ? *options_.env : Env::posix(); }
  // Counts the messages; with write_file, also replaces maildirsize.
  Result<QuotaUsage> recalculate_impl(bool write_file) const;
  std::string root_;
  QuotaOptions options_;
};

}  // namespace maildir
