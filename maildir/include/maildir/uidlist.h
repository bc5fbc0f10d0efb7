// dovecot-uidlist: persistent IMAP UIDs of a Maildir folder, byte-compatible with Dovecot.
//
// File format (FORMATS.md; dovecot/core maildir-uidlist.c):
//   version 3 (read and written):  `3 V<uidvalidity> N<nextuid> G<32 hex>[ <Key><value>]*`
//                                  `<uid>[ <Key><value>]* :<base name>`      (one per message)
//   version 1 (read only, Courier courierimapuiddb compatible): `1 <uidvalidity> <nextuid>`,
//                                  records `<uid> <file name>`.
// Unknown header fields and record extension fields (keys 'A'-'Z': S size, W vsize, P POP3
// UIDL, O POP3 order, G message GUID, others) are preserved in order. Records are kept in
// ascending UID order; a record matches a file by its base name (before the first ':').
//
// Concurrency: reading takes no lock. Every change happens under `dovecot-uidlist.lock`
// (a maildir::DotLock, stale after 120 s), taken with UidList::lock(), which re-reads the file
// first. Changes never modify the file in place: new records are appended with O_APPEND
// (+ fdatasync), anything else writes `dovecot-uidlist.tmp`, fsyncs it, renames it over the
// list and fsyncs the directory. The UidListLock object is the proof of the lock the writing
// methods (and Keywords::save) require.
//
// Damage (decisions, tested in tests/unit/maildir/test_uidlist.cpp):
//   - A record line that cannot be parsed (bad UID, UIDs not ascending, empty or '/'-containing
//     name, line longer than kMaxUidListLine) is skipped and counted; its message will get a
//     new UID. Invalid extension fields are dropped. The next write rewrites the whole file.
//   - Two records for one base name: the later (higher UID) wins, as in Dovecot.
//   - An unreadable header (bad version, missing V/N) makes the list "lost": exists() is false,
//     and the next write creates a new list with a NEW UIDVALIDITY (never reusing UIDs).
//   - A file larger than kMaxUidListBytes is refused with kLimit (memory stays bounded).
// A lost list (file deleted) is rebuilt with UIDVALIDITY = max(now, last seen + 1).
//
// Thread safety: a UidList object is owned by one thread at a time; separate objects (in one
// or several processes) on the same folder coordinate through the file and its lock.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "maildir/lock.h"
#include "maildir/status.h"

namespace maildir {

inline constexpr std::string_view kUidListName = "dovecot-uidlist";
inline constexpr std::string_view kUidListLockName = "dovecot-uidlist.lock";
inline constexpr std::size_t kMaxUidListLine = 8192;
inline constexpr std::uint64_t kMaxUidListBytes = 256ull << 20;
// Records beyond this many are skipped by the parser (bounded memory on a hostile file).
inline constexpr std::size_t kMaxUidListRecords = 4'000'000;

// Base name → UID index, searchable with a string_view (used inside UidList).
// (Deliberately not noexcept: libstdc++ then caches each node's hash, which makes lookups in a
// 100k-entry index several times faster.)
struct UidBaseHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using UidBaseIndex = std::unordered_map<std::string, std::uint32_t, UidBaseHash, std::equal_to<>>;

// One message's record.
struct UidRecord {
  std::uint32_t uid = 0;
  std::string base;    // base file name (no ':2,...' info)
  std::string fields;  // extension fields as in the file, space-separated, e.g. "W1234 P0001"

  // The value of extension field `key` ('A'-'Z'), e.g. field('P') for the POP3 UIDL.
  std::optional<std::string_view> field(char key) const;
};

// The header line.
struct UidListHeader {
  int version = 3;  // as read (1 or 3); always written as 3
  std::uint32_t uid_validity = 0;
  std::uint32_t next_uid = 1;
  std::string guid;   // mailbox GUID, 32 lowercase hex; empty if none was read
  std::string extra;  // other header fields in file order, e.g. "Pxxx"

  // The value of an extra header field, e.g. field('P') = POP3 UIDL format.
  std::optional<std::string_view> field(char key) const;
};

// Result of the pure parser.
struct ParsedUidList {
  bool header_ok = false;  // false: the list is lost (records is empty)
  UidListHeader header;
  std::vector<UidRecord> records;  // ascending UIDs, unique base names
  std::size_t skipped_lines = 0;   // damaged record lines dropped (or duplicates replaced)
  std::size_t consumed = 0;        // bytes consumed: up to the end of the last complete line
  bool needs_rewrite = false;      // damage, duplicates, bad GUID, dropped fields: rewrite
};

// Parses a whole file's content. A trailing line without '\n' is not consumed (a writer may be
// appending it). Never fails; never allocates more than O(content.size()).
ParsedUidList parse_uidlist(std::string_view content);

// Parses record lines appended after a previously parsed part (`list` holds the state so far)
// and adds them to `list` (replacing duplicates). Updates list.consumed (relative to `content`
// start, i.e. the caller adds its own offset) and header.next_uid.
void parse_uidlist_records(std::string_view content, int version, ParsedUidList& list);

// "3 V<uv> N<next> G<guid>[ <extra>]\n". REQUIRES: header.guid is 32 hex characters.
std::string format_uidlist_header(const UidListHeader& header);
// "<uid>[ <fields>] :<base>\n".
std::string format_uidlist_record(const UidRecord& record);

// UIDVALIDITY for a new list: the current time, but strictly greater than `previous` (0 = none).
std::uint32_t next_uid_validity(std::uint32_t previous);
// 32 lowercase hex characters from getrandom(2). kIo if the kernel has no randomness for us.
Result<std::string> random_guid();

class UidList;

// Proof that the holder owns `<dir>/dovecot-uidlist.lock`. Move-only; released on destruction
// or release(). Obtained only from UidList::lock().
class UidListLock {
 public:
  UidListLock(UidListLock&&) noexcept = default;
  UidListLock& operator=(UidListLock&&) noexcept = default;

  const std::string& dir() const { return dir_; }
  bool held() const { return lock_.held(); }
  // Keeps the lock fresh for other hosts (call at least every 60 s during long work).
  Status refresh() { return lock_.refresh(); }
  Status release() { return lock_.release(); }

 private:
  friend class UidList;
  UidListLock(std::string dir, DotLock lock) : dir_(std::move(dir)), lock_(std::move(lock)) {}
  std::string dir_;
  DotLock lock_;
};

// A request to give a file a UID (UidList::assign_uids).
struct UidRequest {
  std::string name;            // file name (with or without info); its base is recorded
  std::uint32_t keep_uid = 0;  // moved in from another folder with this UID (0 = none)
  std::string fields;          // extension fields for a NEW record, e.g. "W1234" (optional)
};

class UidList {
 public:
  // Reads `<dir>/dovecot-uidlist` (dir = the folder's Maildir directory). A missing file is
  // not an error: the result has exists() == false and no records. Errors: kIo/kPermission
  // reading the file, kLimit for a file over kMaxUidListBytes.
  static Result<UidList> load(const std::string& dir);

  UidList(UidList&&) noexcept = default;
  UidList& operator=(UidList&&) noexcept = default;

  // Brings the object up to date with the file. Cheap when nothing changed (one stat: inode,
  // size and mtime compared with the last read); reads only the appended tail when the file
  // only grew; re-reads everything when it was replaced. Returns whether anything changed.
  Result<bool> refresh();
  // True when the file on disk differs from what this object last read (one stat, no read).
  Result<bool> changed_on_disk() const;

  const std::string& dir() const { return dir_; }
  std::string path() const;

  bool exists() const { return exists_; }                              // a readable list is on disk
  std::uint32_t uid_validity() const { return header_.uid_validity; }  // 0 when !exists()
  std::uint32_t next_uid() const { return header_.next_uid; }
  const std::string& guid() const { return header_.guid; }
  const UidListHeader& header() const { return header_; }
  std::size_t skipped_lines() const { return skipped_lines_; }

  // Records, ascending UIDs.
  const std::vector<UidRecord>& records() const { return records_; }
  // The record of a UID, or nullptr.
  const UidRecord* find_uid(std::uint32_t uid) const;
  // The record whose base equals base_name(name), or nullptr.
  const UidRecord* find_name(std::string_view name) const;

  // POP3 overrides: the record's 'P' (UIDL) and 'O' (order) fields; header field 'P' is the
  // folder's UIDL format. nullopt when absent (or UID unknown).
  std::optional<std::string_view> pop3_uidl(std::uint32_t uid) const;
  std::optional<std::uint32_t> pop3_order(std::uint32_t uid) const;

  // Takes `<dir>/dovecot-uidlist.lock` (stale after 120 s, waiting up to `wait`), then
  // refresh()es. kLocked when another holder keeps it longer than `wait`.
  Result<UidListLock> lock(std::chrono::milliseconds wait = std::chrono::seconds(5));

  // --- Changes; each REQUIRES a held lock from this object's lock() (else kInvalidArgument).

  // Gives each request a UID, in order, and returns them (same order). A name whose base is
  // already listed keeps its UID. A new name gets keep_uid when keep_uid >= next_uid (so UIDs
  // stay ascending and are never reused), else next_uid; next_uid grows past it. A missing or
  // lost list is first created (new UIDVALIDITY, new GUID). New records are appended
  // (O_APPEND, fdatasync) unless the file needs a rewrite (version 1, no GUID, damaged lines),
  // in which case the whole list is rewritten. kLimit when UIDs would pass 2^32-2.
  // kInvalidArgument for an empty name or one containing '/' or '\n'.
  Result<std::vector<std::uint32_t>> assign_uids(const UidListLock& lock,
                                                 std::span<const UidRequest> requests);
  Result<std::vector<std::uint32_t>> assign_uids(const UidListLock& lock,
                                                 std::span<const std::string> names);

  // Rewrites the list keeping only the records for which keep(record) is true (e.g. drop the
  // records of expunged files). next_uid never goes down.
  Status rewrite(const UidListLock& lock, const std::function<bool(const UidRecord&)>& keep);
  // Drops the records of these names (compared on base names) by rewrite().
  Status drop_names(const UidListLock& lock, std::span<const std::string> names);

  // Sets (value given) or removes (nullopt) extension field `key` ('A'-'Z') of a UID's record,
  // by rewrite(). kNotFound for an unknown UID; kInvalidArgument for a bad key or a value with
  // spaces/newlines.
  Status set_field(const UidListLock& lock, std::uint32_t uid, char key,
                   std::optional<std::string_view> value);

  // Creates a new, empty list (replacing any old one) with UIDVALIDITY
  // next_uid_validity(max(previous_uid_validity, last one seen by this object)). Used to
  // rebuild a lost list; all old UIDs become invalid.
  Status recreate(const UidListLock& lock, std::uint32_t previous_uid_validity = 0);

 private:
  UidList() = default;
  Status check_lock(const UidListLock& lock) const;
  Status read_all();
  Status write_whole(std::uint32_t uid_validity_floor);
  void index_records();

  std::string dir_;
  bool exists_ = false;
  bool needs_rewrite_ = false;
  UidListHeader header_;
  std::vector<UidRecord> records_;
  UidBaseIndex by_base_;
  std::size_t skipped_lines_ = 0;
  std::uint32_t last_uid_validity_ = 0;  // highest UIDVALIDITY ever seen by this object
  // What the last read saw.
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t size_ = 0;
  std::int64_t mtime_ns_ = 0;
  off_t consumed_ = 0;
};

}  // namespace maildir
