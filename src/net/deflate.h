// The COMPRESS=DEFLATE transport layer (RFC 4978): raw deflate (RFC 1951, zlib windowBits
// -15, no zlib/gzip header) in each direction, over the plaintext (under TLS when TLS is on).
//
// DeflateStream compresses what the server sends; each flush() ends a response burst with a
// Z_SYNC_FLUSH so the client can decode everything sent so far. InflateStream decompresses
// what the client sends, producing at most a caller-given number of bytes per call so a small
// compressed input cannot blow up memory (the caller keeps the rest compressed).
//
// Memory: deflate holds ~256 KB of zlib state (32 KB window, memLevel 8), inflate ~40 KB;
// allocated once when compression starts. No I/O. One thread at a time (the connection's).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "maildir/status.h"

namespace net {

class DeflateStream {
 public:
  // Errors: kIo when zlib cannot allocate its state.
  static maildir::Result<std::unique_ptr<DeflateStream>> create();
  ~DeflateStream();
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;

  // Compresses `plain`, appending whatever zlib emits to `out` (possibly nothing yet).
  void write(std::string_view plain, std::string& out);
  // Z_SYNC_FLUSH: appends the rest of the compressed data for everything written so far.
  // Does nothing when nothing was written since the last flush.
  void flush(std::string& out);
  bool needs_flush() const { return unflushed_; }
  // Totals, for logs and tests.
  uint64_t bytes_in() const;
  uint64_t bytes_out() const;

 private:
  struct State;
  explicit DeflateStream(std::unique_ptr<State> state);
  void run(int mode, std::string& out);
  std::unique_ptr<State> state_;
  bool unflushed_ = false;
};

class InflateStream {
 public:
  // Errors: kIo when zlib cannot allocate its state.
  static maildir::Result<std::unique_ptr<InflateStream>> create();
  ~InflateStream();
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;

  // Decompresses from the front of `compressed`, appending at most `max_out` bytes to `out`,
  // and erases the consumed compressed bytes. Returns the number of bytes appended.
  // Errors: kCorrupt for data that is not raw deflate, or data after the end of the stream.
  maildir::Result<size_t> read(std::string& compressed, std::string& out, size_t max_out);

 private:
  struct State;
  explicit InflateStream(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace net
