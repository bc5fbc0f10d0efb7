// tegami-cache: a per-folder cache of data derived from message files (for IMAP: the encoded
// MIME structure, so a second FETCH BODYSTRUCTURE does not read the message again). The blobs
// are opaque to this library; a message file never changes, so a blob is valid for its UID as
// long as the folder keeps its UIDVALIDITY.
//
// It is a CACHE (DESIGN.md principle 1): deleting the file loses nothing; a missing, foreign,
// corrupt or other-UIDVALIDITY file is ignored and replaced at the next flush().
//
// Format (integers in host byte order; the byte-order mark tells; see docs/formats.md):
//   header, 16 bytes: magic "TGMCACH1", UIDVALIDITY u32, byte-order mark 0x01020304 u32
//   records, back to back: uid u32, blob length u32, XXH3-64 of (uid, length, blob) u64, blob
// Writers append whole batches of records with one O_APPEND write(); a record that does not
// check out ends the readable part (it and what follows are ignored). Records of expunged
// messages stay until the file is replaced (when it is unusable, or grows past twice what the
// live records need — see flush()).
//
// Thread safety: one MessageCache per thread (e.g. per selected mailbox); any number of them,
// in any number of processes, may use one folder's file at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "maildir/status.h"

namespace maildir {

inline constexpr const char* kMessageCacheFileName = "tegami-cache";
// The same format holding other derived data (IMAP: the header fields SORT and THREAD use).
inline constexpr const char* kSortCacheFileName = "tegami-cache.sort";
// Likewise: the header fields IMAP SEARCH's common keys match.
inline constexpr const char* kSearchCacheFileName = "tegami-cache.search";

class MessageCache {
 public:
  // REQUIRES: `folder_dir` is the folder's directory (holding cur/). `file_name`: the cache
  // file in it (one kind of blob per file).
  MessageCache(std::string folder_dir, std::uint32_t uidvalidity,
               std::string file_name = kMessageCacheFileName);
  ~MessageCache();
  MessageCache(const MessageCache&) = delete;
  MessageCache& operator=(const MessageCache&) = delete;

  // The blob stored for `uid`, nullopt when there is none (or it does not check out). Reads
  // records appended since the last call (by this or another process) when `uid` is unknown.
  std::optional<std::string> get(std::uint32_t uid);

  // Queues a blob for `uid`; flush() writes the queue.
  void put(std::uint32_t uid, std::string blob);

  // Appends the queued records in one write (or replaces the file when it is unusable).
  // `live_uids`: how many messages the folder has, to decide on compaction. Errors are
  // returned for logging only; the cache stays usable.
  Status flush(std::size_t live_uids = 0);

 private:
  void open_file();
  void scan();
  Status replace(std::size_t live_uids);

  std::string dir_;
  std::string name_;
  std::string path_;
  std::uint32_t uidvalidity_;
  int fd_ = -1;
  std::uint64_t ino_ = 0;
  std::uint64_t scanned_ = 0;  // bytes of the file read as valid records (0: header unread)
  bool opened_ = false;        // open_file() was tried
  bool unusable_ = false;      // the file must be replaced, not appended to
  std::size_t records_ = 0;    // records found by scan()
  std::int64_t replaced_check_ms_ = INT64_MIN / 2;  // last look for a replaced file (monotonic)
  struct Where {
    std::uint64_t offset;  // of the record
    std::uint32_t length;  // of the blob
  };
  std::unordered_map<std::uint32_t, Where> where_;
  std::vector<std::pair<std::uint32_t, std::string>> queued_;
};

// Encodes one record (exposed for tests of corrupt files).
std::string encode_cache_record(std::uint32_t uid, std::string_view blob);

}  // namespace maildir
