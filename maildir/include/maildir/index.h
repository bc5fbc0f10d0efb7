// tegami-index: tegami's own per-folder cache of a synced Mailbox view, so that opening a big
// folder does not list, stat or read every message file.
//
// It is a CACHE (DESIGN.md principle 1): the message files and dovecot-uidlist are the truth.
// Deleting the file loses nothing; a missing, truncated, corrupt, foreign-endian or
// out-of-date file is ignored and rewritten by the next sync. It is written as
// `<folder>/tegami-index.tmp.<host>.<pid>.<n>` and renamed over `<folder>/tegami-index`
// (not fsync'ed: losing it in a crash costs one rescan).
//
// What makes it usable: the stamps (dev, inode, mtime ns, size) of new/, cur/ and
// dovecot-uidlist as they were BEFORE the scan that produced the records. If all three are
// still equal, and each was stable when taken (see dir_stamp.h), the records are exactly what
// a scan would find, and a warm open reads only this file and three stats. If a directory
// changed, the sync rescans it but reuses the cached record (size, vsize, mtime, UID) of every
// file name it still finds, so only new names are stat'ed.
//
// Format (all integers in host byte order; the byte-order mark tells; see docs/formats.md):
//   offset size
//        0    8  magic "TGMIDX1\n"
//        8    4  byte-order mark 0x01020304
//       12    4  record size (40)
//       16    4  UIDVALIDITY
//       20    4  UIDNEXT
//       24   32  mailbox GUID, ASCII hex, NUL-padded
//       56   48  stamp of new/       } dev u64, ino u64, mtime_sec i64, mtime_nsec i64,
//      104   48  stamp of cur/       } size i64, bits u32 (1 = exists, 2 = stable), zero u32
//      152   48  stamp of dovecot-uidlist }
//      200    8  record count N
//      208    8  name pool size P
//      216    8  zero (reserved)
//      224  40*N records (MessageRecord, message.h), in ascending UID order
//        .    P  name pool: the records' file names, back to back
//        .    8  XXH3-64 of every byte before it
//        .    8  total file length (including these 16 bytes)
// decode_index() refuses (kCorrupt) anything that does not check out: lengths, hash, record
// size, UIDs not strictly ascending or not below UIDNEXT, names out of the pool, names that
// are empty, "." / "..", or contain '/' or NUL, base longer than name.
//
// Thread safety: the functions are reentrant; IndexData is plain data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "maildir/dir_stamp.h"
#include "maildir/message.h"
#include "maildir/status.h"

namespace maildir {

inline constexpr const char* kIndexFileName = "tegami-index";

struct IndexStamp {
  DirStamp stamp;
  bool stable = false;  // stamp.stable_at(time of the stat) held
  bool operator==(const IndexStamp&) const = default;
};

struct IndexData {
  std::uint32_t uidvalidity = 0;
  std::uint32_t uidnext = 0;
  std::string guid;  // at most 32 characters
  IndexStamp new_dir, cur_dir, uidlist;
  std::vector<MessageRecord> records;
  std::string names;  // the pool the records' name_off/name_len point into
};

// The file's bytes for `data`. REQUIRES: data passes the checks decode_index() makes.
std::string encode_index(const IndexData& data);

// Parses and checks the file's bytes. kCorrupt with the reason when anything is off.
Result<IndexData> decode_index(std::string_view bytes);

// Reads `<folder_dir>/tegami-index`. kNotFound when absent, kCorrupt when unusable, kIo etc.
Result<IndexData> read_index(const std::string& folder_dir);

// Replaces `<folder_dir>/tegami-index` atomically (temp file + rename).
Status write_index(const std::string& folder_dir, const IndexData& data);

}  // namespace maildir
