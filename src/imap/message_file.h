// A message file opened for one FETCH response, and the PullSource that streams a region of it
// in IMAP's CRLF form. The file is opened on the worker thread that builds the response (so a
// message expunged meanwhile is noticed there, and an opened file stays readable even if it is
// unlinked before the client has read it); the stream is then pulled on the loop thread as
// the socket drains, one read of at most 64 KB per pull, so a 20 MB BODY[] is never in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "imap/message_text.h"
#include "maildir/status.h"
#include "net/connection.h"

namespace imap {

// A point of a stored region and the offset in the region's CRLF form it maps to.
struct CrlfPosition {
  uint64_t stored = 0;  // file offset
  uint64_t crlf = 0;    // bytes of CRLF form before it, counted from the region's start
};

class MessageFile {
 public:
  // kNotFound when the file is gone (expunged, or renamed by a flag change elsewhere).
  static maildir::Result<std::shared_ptr<MessageFile>> open(const std::string& path);
  ~MessageFile();
  MessageFile(const MessageFile&) = delete;
  MessageFile& operator=(const MessageFile&) = delete;

  // `length` stored bytes from `offset` (fewer at the end of the file).
  maildir::Result<std::string> read(uint64_t offset, uint64_t length) const;
  // The CRLF form of the region [offset, offset + length), window `w` of it.
  maildir::Result<std::string> read_crlf(uint64_t offset, uint64_t length, Window w) const;
  // Moves `pos` forward (never past `end`, the region's end) to the last position whose CRLF
  // offset is at most `target`: afterwards target - pos.crlf is 0, or 1 when `target` falls
  // between the CR and LF that a bare LF becomes. Reads 64 KB at a time; memory O(1). This is
  // how a partial <o.l> starts at o without converting everything before it again when the
  // caller keeps the position (Thunderbird reads big messages in 64 KB partials).
  maildir::Status seek_crlf(uint64_t end, uint64_t target, CrlfPosition& pos) const;
  // True when the stored byte just before `offset` is a CR.
  bool cr_before(uint64_t offset) const;
  int fd() const { return fd_; }
  // Feeds the whole file to `sink` in chunks (e.g. the MIME parser).
  maildir::Status read_all(const std::function<void(std::string_view)>& sink) const;

 private:
  explicit MessageFile(int fd) : fd_(fd) {}
  int fd_;
};

// Streams window `w` of the CRLF form of [offset, offset + length) of `file`: exactly w.take
// bytes; pull() fails with kIo if the file ends too early (the literal's size was promised).
std::unique_ptr<net::PullSource> window_source(std::shared_ptr<const MessageFile> file,
                                               uint64_t offset, uint64_t length, Window w);

// A source of no bytes that calls `reached` (once) when the connection pulls it, i.e. when
// everything queued before it has been handed to the socket layer. FETCH queues one after each
// batch to start the next batch only as the client reads (back-pressure).
std::unique_ptr<net::PullSource> marker_source(std::function<void()> reached);

}  // namespace imap
