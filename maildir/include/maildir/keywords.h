// dovecot-keywords: the table mapping IMAP keywords to the letters a-z of Maildir file names.
//
// File format (Dovecot maildir-keywords.c): one line per keyword, `<index> <keyword>\n`, index
// 0..25 = letter 'a'..'z'. Lines that do not parse (no space, index out of range, empty name)
// are ignored, as Dovecot does; a line whose name is not a valid IMAP keyword keeps its index
// reserved (never shown, never reassigned, written back as it was). Lookups are case-insensitive
// (IMAP keywords are); the spelling first assigned is kept. A new keyword gets the lowest free
// index; when all 26 are taken the next one gets Code::kLimit. The file is replaced only by rename
// (temp file, fsync, rename, fsync directory) while holding the folder's dovecot-uidlist lock (a
// UidListLock, the proof save() asks for); its mtime grows on every save so that readers see the
// change.
//
// Thread safety: an object is owned by one thread; objects coordinate through the file.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maildir/flags.h"
#include "maildir/status.h"

namespace maildir {

class UidListLock;

inline constexpr std::string_view kKeywordsName = "dovecot-keywords";
inline constexpr std::size_t kMaxKeywordLength = 128;

// OK when `keyword` is a valid IMAP flag-keyword (RFC 3501 atom): 1..kMaxKeywordLength bytes
// of 0x21..0x7e except ( ) { % * " \ ]. kInvalidArgument (with the reason) otherwise, which
// also refuses system flags like "\Seen".
Status validate_keyword(std::string_view keyword);

class Keywords {
 public:
  Keywords() = default;

  // Reads `<dir>/dovecot-keywords`. A missing file is an empty table. kIo/kPermission if the
  // file exists but cannot be read; a file over 64 KiB is read up to that size.
  static Result<Keywords> load(const std::string& dir);
  // Pure: the table in `content` (the file's bytes).
  static Keywords parse(std::string_view content);
  // Pure: the file's bytes for this table, ascending index.
  std::string serialize() const;

  // Re-reads the file when its inode/size/mtime changed since the last load/refresh/save.
  // Returns whether the table was re-read. Unsaved assignments are lost on re-read (REQUIRES
  // for writers: hold the uidlist lock across refresh → assign → save).
  Result<bool> refresh();

  // The index (0..25) of `keyword` (case-insensitive), or nullopt.
  std::optional<int> find(std::string_view keyword) const;
  // The keyword at `index`, or nullopt when unassigned or out of range.
  std::optional<std::string_view> name(int index) const;
  // Number of assigned indexes.
  int count() const;

  // The index of `keyword`, assigning the lowest free one if it has none (dirty() becomes
  // true). kInvalidArgument for an invalid keyword; kLimit "all 26 keyword letters a-z are in
  // use" when the table is full.
  Result<int> assign(std::string_view keyword);

  // Letter mask (MessageFlags::keywords) for keyword names that have an index; names without
  // one are appended to *missing when given.
  std::uint32_t mask_of(const std::vector<std::string>& keywords,
                        std::vector<std::string>* missing = nullptr) const;
  // Keyword names for a letter mask, ascending index; letters without a name are skipped.
  std::vector<std::string> names_of(std::uint32_t mask) const;

  // True when assign() added keywords that save() has not written yet.
  bool dirty() const { return dirty_; }

  // Writes the table to `<dir>/dovecot-keywords` (dir of the last load, or `dir` given to
  // set_dir). REQUIRES: `lock` holds the uidlist lock of that same directory (else
  // kInvalidArgument), and the file has not changed since this object last read it (else
  // kInvalidArgument: refresh() under the lock and assign again). No-op when !dirty().
  // Errors from the file system as kIo/kNoSpace/....
  Status save(const UidListLock& lock);

  const std::string& dir() const { return dir_; }
  void set_dir(std::string dir) { dir_ = std::move(dir); }

 private:
  std::array<std::optional<std::string>, kMaxKeywordLetters> names_;
  std::uint32_t invalid_ = 0;  // indexes whose name in the file is not a valid keyword: kept
                               // on disk, never shown, never reassigned
  std::string dir_;
  bool dirty_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t size_ = -1;
  std::int64_t mtime_ns_ = 0;
};

}  // namespace maildir
