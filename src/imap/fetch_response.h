// Building one message's "* n FETCH (...)" response (RFC 3501 7.4.2): which bytes each item
// names (section resolution over the MIME structure, partial windows) and the response text.
// Small regions are read into the text on the worker thread; regions of 64 KB or more stay
// file regions, streamed later on the loop thread (message_file.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "imap/fetch_items.h"
#include "imap/message_file.h"
#include "imap/selected_box.h"
#include "mime/section.h"
#include "mime/structure.h"

namespace imap {

// A FETCH response in wire order: text and file regions (sent in CRLF form, window applied).
struct FetchOutput {
  struct Piece {
    std::string text;
    std::shared_ptr<const MessageFile> file;  // null for a text piece
    uint64_t offset = 0;
    uint64_t length = 0;
    Window window;
    std::string encoding;  // non-empty: stream the region decoded (BINARY, fetch_binary.h)
  };
  std::vector<Piece> pieces;
  size_t text_bytes = 0;  // bytes held in text pieces

  void text(std::string_view s);
  // The text piece that text() would append to (made if needed), for writing in place; the
  // writer adds what it appended to text_bytes.
  std::string& text_target();
  void region(std::shared_ptr<const MessageFile> file, uint64_t offset, uint64_t length, Window w);
  void decoded_region(std::shared_ptr<const MessageFile> file, uint64_t offset, uint64_t length,
                      std::string encoding, Window w);
  void append(FetchOutput&& other);
};

// Regions at least this long are streamed from the file instead of read into the text.
inline constexpr uint64_t kStreamThreshold = 64 * 1024;

// The stored region BODY[item.part + item.section] names in a message of structure `s`, or
// nullopt when there is no such part (IMAP then answers an empty string, as Dovecot does).
// For HEADER.FIELDS(.NOT) it is the header to select from.
std::optional<mime::Span> section_region(const FetchItem& item, const mime::Structure& s);

// True when every item comes from the mailbox view alone (FLAGS, UID, MODSEQ, INTERNALDATE,
// RFC822.SIZE): no message file is opened, and fetch_message() takes its fast path.
bool only_view_items(const std::vector<FetchItem>& items);

// "25-Nov-2026 13:04:05 +0900": the internal date in the server's local time zone, quoted.
std::string internal_date_string(int64_t t);

// Appends the response for message `i` of the box (sequence number `seq`). `flags_after`:
// FLAGS must be sent even if not asked (\Seen was just set). kNotFound when the message file
// vanished (nothing is appended then); other storage errors as they are.
maildir::Status fetch_message(SelectedBox& box, size_t i, uint32_t seq,
                              const std::vector<FetchItem>& items, bool flags_after,
                              FetchOutput& out);

}  // namespace imap
