// The delivery journal's on-disk format (docs/formats.md "The delivery journal"): pure
// encoding and decoding, no I/O.
//
// A segment file is a header followed by records, all integers little-endian:
//   header:  "TGJS" | u64 segment id
//   record:  "TGJR" | u32 payload length n | u32 crc32 | u64 segment id | n payload bytes
//   payload: u32 target count k | k × (u32 length, folder dir bytes, u32 length, file name
//            bytes) | the message file's bytes (as on disk: LF line ends, trace headers)
// The crc32 (zlib) covers the segment id and the payload. A record whose segment id differs
// from the header's is stale (a reused segment's old contents) and ends the segment like a
// torn record does. A record is never longer than the reader's limit, so a damaged length
// never makes the reader allocate or read without bound.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tegami_delivery {

inline constexpr std::size_t kJournalHeaderSize = 12;  // "TGJS" + u64
inline constexpr std::size_t kRecordHeaderSize = 20;   // "TGJR" + u32 + u32 + u64
inline constexpr std::uint32_t kMaxJournalTargets = 100000;

// One file a record promises: <folder_dir>/new/<name> (or cur/<name>:2,<flags> once a client
// saw it).
struct JournalTarget {
  std::string folder_dir;
  std::string name;
  bool operator==(const JournalTarget&) const = default;
};

struct JournalRecord {
  std::vector<JournalTarget> targets;
  std::string message;  // the file's exact bytes
  bool operator==(const JournalRecord&) const = default;
};

// The segment header for `segment_id`.
std::string encode_journal_header(std::uint64_t segment_id);

// The record's bytes (header + payload). `message` is the file's exact bytes.
std::string encode_journal_record(std::uint64_t segment_id,
                                  const std::vector<JournalTarget>& targets,
                                  std::string_view message);

// Reads a segment header: the id, or false when `bytes` does not start with one.
bool decode_journal_header(std::string_view bytes, std::uint64_t& segment_id);

// Result of looking at the bytes at one record position.
struct RecordScan {
  enum class Kind {
    kRecord,    // a complete valid record: `record` filled, `length` bytes consumed
    kNeedMore,  // valid so far; `length` = the total bytes this record needs
    kEnd,       // no record here: zeros, a stale record, a bad checksum or structure, a
                // length over the limit (the end of what was ever acknowledged)
  };
  Kind kind = Kind::kEnd;
  std::size_t length = 0;
  JournalRecord record;
  std::string why;  // kEnd: what ended it ("" for a clean end: nothing, zeros, stale records)
};

// Looks at the record starting at `bytes` (a prefix of the rest of the segment). A record
// whose payload is longer than `max_payload` is kEnd. Pure, bounded by bytes.size().
RecordScan scan_journal_record(std::string_view bytes, std::uint64_t segment_id,
                               std::uint64_t max_payload);

// Every complete record of a whole segment file's contents, in order; `why` says why reading
// stopped early ("" = a clean end). A bad header gives no records.
std::vector<JournalRecord> decode_journal_segment(std::string_view bytes, std::uint64_t max_payload,
                                                  std::string& why);

}  // namespace tegami_delivery
