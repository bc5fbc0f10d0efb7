// Evaluating a SEARCH program (search_program.h) against one message.
//
// Cheapest first: the tree is evaluated with what the view knows (sequence number, UID, flags,
// keywords, \Recent, RFC822.SIZE, internal date); only when that leaves the answer open is the
// header read (header keys, SENT* dates), and only when that still leaves it open is the body
// streamed (BODY, TEXT). The message is read through MessageAccess in bounded chunks: memory is
// the header (capped at kMaxSearchHeader), the MIME structure and one chunk per text part, never
// the whole message.
//
// Text matching: header values are RFC 2047-decoded, bodies of text/* parts (also inside
// message/rfc822 parts) are transfer-decoded and converted from their charset to UTF-8; text and
// key both go through mime::normalize_for_search and are compared as substrings.
//
// Pure: all file access goes through MessageAccess. One MessageMatcher per message, any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/search_program.h"
#include "mime/structure.h"

namespace imap {

inline constexpr size_t kMaxSearchHeader = 1024 * 1024;
inline constexpr size_t kSearchChunk = 64 * 1024;

// What the view knows about a message without opening it.
struct MessageFacts {
  std::uint32_t seq = 0;  // sequence number (0: not known to the client)
  std::uint32_t uid = 0;
  std::uint32_t max_seq = 0;  // '*' in a sequence set
  std::uint32_t max_uid = 0;  // '*' in a UID set
  std::uint8_t flags = 0;     // maildir::SystemFlag bits
  bool recent = false;
  std::uint64_t modseq = 0;  // CONDSTORE (0: not known; MODSEQ keys then match only 0)
};

// What a SEARCH of the common header keys needs from one message, as kept in the folder's
// tegami-cache.search (docs/formats.md): every Subject, From, To, Cc and Bcc field (upper-case
// name, value RFC 2047-decoded and normalised for search) and the day of the first Date:.
struct CachedSearchHeader {
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::int64_t> sent_day;
};
// The blob: the byte 1, the sent day (a byte 0/1, then 8 bytes little-endian), the field
// count (4 bytes), then per field its name and value, each a 4-byte little-endian length and
// its bytes. decode_search_header refuses anything else (false, `out` untouched). The values
// are stored normalised: a change to header decoding or to mime::normalize_for_search must
// bump the version byte, so that older records are refused (and rebuilt).
std::string encode_search_header(const CachedSearchHeader& h);
bool decode_search_header(std::string_view blob, CachedSearchHeader& out);

// The message's file and the lazily computed facts. Implemented over a Maildir file by
// cmd_search.cpp and over strings by the tests.
class MessageAccess {
 public:
  virtual ~MessageAccess() = default;
  // RFC822.SIZE; nullopt when the message cannot be read (it then matches nothing).
  virtual std::optional<std::uint64_t> size() = 0;
  // Internal date in seconds since the epoch; nullopt as size().
  virtual std::optional<std::int64_t> internal_date() = 0;
  // True if the message has keyword `name` (case-insensitive).
  virtual bool has_keyword(std::string_view name) = 0;
  // Reads up to `len` bytes at `offset` (as stored) into `out` (replacing it); fewer at the end
  // of the file. False on a read error.
  virtual bool read(std::uint64_t offset, size_t len, std::string& out) = 0;
  // The message's cached header fields, when the implementation keeps them (false: none).
  virtual bool cached_header(CachedSearchHeader& out) {
    (void)out;
    return false;
  }
  // Called after the header was read by a matcher using the cache, to keep its fields.
  virtual void store_header(const CachedSearchHeader& h) { (void)h; }
};

// Replaces every text key of the tree by its normalised form (mime::normalize_for_search), once
// per program, before matching.
void normalize_search_keys(SearchKey& key);

// True when the tree needs more than the view (header or body) — i.e. SEARCH must open files.
bool needs_message_text(const SearchKey& key);
// True when the tree needs nothing but the view and CachedSearchHeader (SUBJECT, FROM, TO,
// CC, BCC, HEADER of those fields, SENT*), so the header cache can answer it.
bool header_cache_suffices(const SearchKey& key);

class MessageMatcher {
 public:
  MessageMatcher(const MessageFacts& facts, MessageAccess& access)
      : facts_(facts), access_(access) {}

  // Evaluates `root` (REQUIRES: normalize_search_keys was applied). A message that cannot be
  // read matches only keys decided without reading it.
  bool matches(const SearchKey& root);

  // Take the header fields from MessageAccess::cached_header when it has them, and store
  // them after reading the header otherwise. REQUIRES: header_cache_suffices(root).
  void use_header_cache() { use_cache_ = true; }

  // How far evaluation had to go (tests check that cheap keys never open the message).
  bool header_read() const { return header_loaded_; }
  bool body_read() const { return body_reads_ > 0; }

 private:
  enum class Tri { kFalse, kTrue, kUnknown };
  enum Level { kView = 0, kHeader = 1, kFull = 2 };
  Tri eval(const SearchKey& k, Level level);
  Tri eval_header_key(const SearchKey& k);
  bool load_header();
  bool body_contains(const SearchKey& k);

  struct Field {
    std::string name;   // upper case
    std::string raw;    // unfolded value as written
    std::string value;  // normalised decoded value, computed on first use
    bool normalized = false;
  };
  const std::string& field_value(Field& f);

  const MessageFacts& facts_;
  MessageAccess& access_;
  bool use_cache_ = false;
  bool header_loaded_ = false;
  bool header_ok_ = false;
  std::vector<Field> fields_;
  std::optional<std::string> header_text_;  // normalised "name: value" lines (TEXT), lazy
  std::optional<std::int64_t> sent_day_;
  std::optional<mime::Structure> structure_;  // parsed on the first body key
  unsigned body_reads_ = 0;
};

// RFC 5322 date (lenient: optional weekday, 2- or 4-digit year, seconds optional, numeric or
// named zone) → the calendar day as written (days since 1970-01-01), or nullopt.
std::optional<std::int64_t> sent_day(std::string_view date_field);

}  // namespace imap
