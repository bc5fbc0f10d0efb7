// One message as a Mailbox view holds it: a compact, trivially copyable record.
//
// 100,000 messages must stay small, so a record is 40 bytes and does not own its file name:
// the name lives in a pool of names owned by the Mailbox (or the index file), addressed by
// `name_off`/`name_len`. The record is also the on-disk record of tegami-index (index.h), in
// host byte order (the index header says which; another order makes the cache be ignored).
//
// size and mtime are filled lazily: a sync does not stat() files (100k stats cost more than the
// whole open may take), so a record starts with the ,S= size of its name (else kUnknownSize)
// and kUnknownTime; Mailbox::size() / internal_date() stat the file once and keep the result.
//
// Thread safety: plain data.
#pragma once

#include <cstdint>
#include <type_traits>

namespace maildir {

inline constexpr std::uint64_t kUnknownSize = ~std::uint64_t{0};
inline constexpr std::int64_t kUnknownTime = INT64_MIN;

enum class MessageDir : std::uint8_t { kNew = 0, kCur = 1 };

struct MessageRecord {
  std::uint64_t size = kUnknownSize;   // bytes on disk: ,S= of the name, else st_size (lazy)
  std::uint64_t vsize = kUnknownSize;  // RFC822.SIZE (CRLF): ,W= of the name, else computed once
  std::int64_t mtime = kUnknownTime;   // internal date: the file's mtime in seconds (lazy)
  std::uint32_t uid = 0;               // IMAP UID (never 0 in a synced view)
  std::uint32_t keywords = 0;          // bit i = keyword letter 'a'+i (see keywords / flags.h)
  std::uint32_t name_off = 0;          // file name (base + info) in the owner's name pool
  std::uint8_t name_len = 0;           // file names are at most NAME_MAX (255) bytes
  std::uint8_t base_len = 0;           // the base name is the first base_len bytes of the name
  std::uint8_t flags = 0;              // SystemFlag bits (flags.h)
  MessageDir dir = MessageDir::kNew;   // which subdirectory the file is in
};
static_assert(sizeof(MessageRecord) == 40);
static_assert(std::is_trivially_copyable_v<MessageRecord>);

}  // namespace maildir
