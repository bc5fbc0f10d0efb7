// Durable delivery of one message into a Maildir folder (DESIGN.md principle 2).
//
// A message is written to `<folder>/tmp/<unique>`, fsync'ed, renamed (never replacing) into
// `<folder>/new/<unique>,S=<size>,W=<vsize>` — or `<folder>/cur/<...>:2,<info>` when the caller
// passes an info string (IMAP APPEND with flags) — and then the folder's new/ (or cur/)
// directory is fsync'ed. Success is returned only after all of that. An error at any step
// leaves no file in new/, cur/ or tmp/ (what was renamed is unlinked again, a quota line
// already appended is taken back with a negative line).
//
// Unique names: `<sec>.M<usec>P<pid>Q<n>.<host>` where n counts deliveries in this process and
// host is local_hostname().
//
// Line ends: the file on disk has LF line ends, as Maildir readers expect. CRLF in the input
// becomes LF; bare LF is kept; a bare CR (not followed by LF) is kept as a CR byte — nothing but
// CRLF pairs is ever changed, so no data is lost. S= is the size on disk; W= (RFC822.SIZE) is the
// size with every LF written as CRLF, i.e. S + number of LFs.
//
// Thread safety: a MessageWriter belongs to one thread; deliver() may run in many threads and
// processes at once on the same folder.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maildir/env.h"
#include "maildir/quota.h"
#include "maildir/status.h"

namespace maildir {

// Courier's `deliverquota -w N`: after a successful delivery with a quota, when the mailbox is
// at least `percent` % full (of its byte or its count limit) and `<root>/quotawarn` is missing
// or older than 24 hours, quotawarn is renewed and `message` (a complete RFC 5322 message) is
// delivered into the root (INBOX) with no quota check. Among processes racing for the same
// warning exactly one wins (the claim is a rename of quotawarn, then an O_EXCL create). A
// failure to warn never fails the delivery.
struct QuotaWarning {
  unsigned percent = 90;
  std::string message;
};

struct DeliveryOptions {
  // The message's internal date (the file's mtime, set with futimens before the rename).
  // nullopt: the time of delivery (the mtime the last write left).
  std::optional<struct timespec> internal_date;
  // nullopt: deliver into new/. A string (possibly empty): deliver into cur/ with ":2,<info>"
  // appended, e.g. "FS". REQUIRES: no '/' and no NUL in it (else kInvalidArgument); system flags
  // sorted as Maildir wants are the caller's business.
  std::optional<std::string> info;
  // Largest accepted message, counted as vsize (the size with CRLF, what SMTP SIZE and IMAP
  // literals count). 0 = no limit. Exceeding it: kLimit, nothing left behind.
  std::uint64_t max_size = kDefaultMaxMessageSize;
  // Quota of the user's Maildir (its root, not necessarily this folder). nullptr = no check.
  // Checked when the writer opens (already at/over quota → kOverQuota before any byte is
  // written) and again with the final size before the rename; the delivery appends
  // "<size> 1" to maildirsize.
  const Quota* quota = nullptr;
  QuotaPolicy policy = QuotaPolicy::kOvershoot;
  Env* env = nullptr;  // nullptr: Env::posix()
  // Only used together with `quota`.
  std::optional<QuotaWarning> quota_warning;
};

struct Delivered {
  std::string name;           // final base name, e.g. "1700000000.M1P2Q3.host,S=10,W=12[:2,FS]"
  std::string path;           // full path of the delivered file
  std::uint64_t size = 0;     // bytes on disk (S=)
  std::uint64_t vsize = 0;    // bytes with CRLF line ends (W=)
  bool quota_warned = false;  // this delivery also put a quota warning into INBOX
};

// A new unique base name (no ,S= / ,W= / info), e.g. "1700000000.M123456P42Q7.mx1".
std::string make_unique_name();
// The ",S=<size>,W=<vsize>" part of a delivered file's name (size on disk, RFC822.SIZE).
std::string size_suffix(std::uint64_t size, std::uint64_t vsize);

// Converts message bytes to the on-disk form incrementally (CRLF → LF), counting S and W.
// Pure; used by MessageWriter and usable for sizing a message without writing it.
class LineEndConverter {
 public:
  // Appends the converted form of `in` to `out`. A trailing CR is held back until the next call.
  void feed(std::string_view in, std::string& out);
  // Flushes a held-back CR. Call once at the end.
  void finish(std::string& out);
  std::uint64_t size() const { return size_; }    // bytes produced so far
  std::uint64_t vsize() const { return vsize_; }  // bytes produced + LFs produced
 private:
  void emit(std::string& out, std::string_view bytes);
  bool pending_cr_ = false;
  std::uint64_t size_ = 0;
  std::uint64_t vsize_ = 0;
};

class MessageWriter {
 public:
  // Creates `<folder_dir>/tmp/<unique>` (O_EXCL). Errors: kNotFound if the folder or its tmp/ is
  // missing, kOverQuota if options.quota says the mailbox is already at or over its limit,
  // kInvalidArgument for a bad info string, kIo/kNoSpace/kPermission from the file system.
  static Result<MessageWriter> open(const std::string& folder_dir, DeliveryOptions options = {});

  MessageWriter(MessageWriter&& other) noexcept;
  MessageWriter& operator=(MessageWriter&& other) noexcept;
  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;
  ~MessageWriter();  // abort()s unless committed

  // Appends message bytes (any split; CRLF may straddle calls). Buffered. kLimit when the
  // message exceeds options.max_size; any error aborts the writer (tmp file removed) and every
  // later call returns the same error.
  Status write(std::string_view bytes);

  // Makes the message durable and visible (see the top of this file). After it returns, the
  // writer is finished whatever the result; on error nothing is left behind.
  Result<Delivered> commit();

  // Removes the tmp file. Idempotent; a no-op after commit().
  void abort();

  std::uint64_t size() const { return conv_.size(); }
  std::uint64_t vsize() const { return conv_.vsize(); }

 private:
  MessageWriter() = default;
  Status flush();
  Status fail(Status status);
  Env& env() const { return options_.env != nullptr ? *options_.env : Env::posix(); }

  std::string folder_;
  std::string unique_;
  std::string tmp_path_;
  DeliveryOptions options_;
  LineEndConverter conv_;
  std::string buffer_;
  int fd_ = -1;
  bool done_ = true;
  Status error_;
};

// Above this many distinct new/ directories, deliver_links makes its links durable with one
// syncfs(2) per file system instead of one fsync per directory.
inline constexpr std::size_t kLinkFsyncBatch = 16;

// One more folder for a message already delivered (see deliver_links).
struct LinkTarget {
  std::string folder_dir;
  const Quota* quota = nullptr;  // that user's quota; nullptr = no check
  QuotaPolicy policy = QuotaPolicy::kOvershoot;
  std::optional<QuotaWarning> quota_warning;  // only used together with `quota`
};

// Delivers the message that `source` (a commit() result: durable) describes into the new/ of
// each target, in one go — the fan-out of one message to many mailboxes:
//   1. per target: its quota is checked with the full size (policy as in DeliveryOptions),
//      then `source.path` is hard-linked to `<folder>/new/<unique>,S=<size>,W=<vsize>` and
//      "<size> 1" appended to its maildirsize (Quota::update). One copy on disk, every
//      mailbox charged the whole message (Maildir++ counts by name, so recounts agree).
//      When the link fails (another file system, the link-count limit, no hard links, the
//      source already expunged) the source file is copied byte for byte instead (tmp/, fsync,
//      rename), so the result is the same message.
//   2. then each distinct new/ directory is fsync'ed once (on ext4 one journal commit makes
//      every link durable; past kLinkFsyncBatch directories one syncfs per file system
//      replaces the fsyncs); a target's result is OK only after that. A failed fsync takes
//      that target's link back (and its quota line).
//   3. quota warnings (QuotaWarning) for the targets that got the message.
// Results come in target order. Errors per target: kOverQuota, kNotFound (folder missing),
// kIo/kNoSpace/kPermission; on error nothing of that target is left behind.
std::vector<Result<Delivered>> deliver_links(const Delivered& source,
                                             const std::vector<LinkTarget>& targets,
                                             Env* env = nullptr);

// One mailbox of a journaled delivery (place_unsynced): the caller chose the final name.
struct PreparedTarget {
  std::string folder_dir;
  std::string name;              // final base name in new/, e.g. "<unique>,S=10,W=12"
  const Quota* quota = nullptr;  // charged, not checked (the caller checked before journaling)
  std::optional<QuotaWarning> quota_warning;  // only used together with `quota`
};

// The write-ahead variant of deliver + deliver_links, for a caller whose journal record
// (delivery/journal.h) already made `disk` durable under these names: `disk` (the file's exact
// bytes: LF line ends, S = disk.size(), W = vsize) goes to <folder>/tmp/ and is renamed into
// <folder>/new/<name> of the first target that takes it; every further target gets a hard link
// (a copy where impossible) under its own name; each is charged to its quota. NOTHING is
// fsync'ed. Quota warnings as in deliver_links (those are written durably). Results in target
// order; on error nothing of that target is left behind.
std::vector<Result<Delivered>> place_unsynced(std::string_view disk, std::uint64_t vsize,
                                              const std::vector<PreparedTarget>& targets,
                                              Env* env = nullptr);

// Reads the message: fills `buf` with up to `cap` bytes, returns the count, 0 at the end.
using MessageReader = std::function<Result<std::size_t>(char* buf, std::size_t cap)>;

// Delivers the bytes `reader` produces (streamed through a fixed buffer, never held whole).
// A reader error is returned unchanged and nothing is delivered.
Result<Delivered> deliver(const std::string& folder_dir, const MessageReader& reader,
                          const DeliveryOptions& options = {});

// Delivers a message already in memory.
Result<Delivered> deliver_bytes(const std::string& folder_dir, std::string_view message,
                                const DeliveryOptions& options = {});

}  // namespace maildir
