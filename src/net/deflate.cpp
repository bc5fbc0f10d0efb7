#include "net/deflate.h"

#include <zlib.h>

#include <algorithm>

namespace net {

namespace {
constexpr int kWindowBits = -15;  // raw deflate, 32 KB window (RFC 4978 section 4)
constexpr size_t kChunk = 16 * 1024;
}  // namespace

struct DeflateStream::State {
  z_stream z{};
  ~State() { deflateEnd(&z); }
};

maildir::Result<std::unique_ptr<DeflateStream>> DeflateStream::create() {
  auto st = std::make_unique<State>();
  if (deflateInit2(&st->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kWindowBits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return maildir::Status(maildir::Code::kIo, "deflateInit2 failed");
  }
  return std::unique_ptr<DeflateStream>(new DeflateStream(std::move(st)));
}

DeflateStream::DeflateStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
DeflateStream::~DeflateStream() = default;

void DeflateStream::run(int mode, std::string& out) {
  z_stream& z = state_->z;
  // Z_NO_FLUSH: run until the input is taken. Z_SYNC_FLUSH: until zlib leaves output room
  // unused (then everything is out, zlib's documented end condition for a flush). Output goes
  // through a stack buffer so `out` grows only by what zlib produced.
  Bytef buf[kChunk];
  while (true) {
    z.next_out = buf;
    z.avail_out = static_cast<uInt>(sizeof buf);
    int rc = deflate(&z, mode);
    out.append(reinterpret_cast<const char*>(buf), sizeof buf - z.avail_out);
    if (rc == Z_STREAM_ERROR) return;  // cannot happen with a valid state
    if (z.avail_out != 0 && z.avail_in == 0) return;
  }
}

void DeflateStream::write(std::string_view plain, std::string& out) {
  if (plain.empty()) return;
  z_stream& z = state_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  run(Z_NO_FLUSH, out);
  z.next_in = nullptr;
  unflushed_ = true;
}

void DeflateStream::flush(std::string& out) {
  if (!unflushed_) return;
  state_->z.next_in = nullptr;
  state_->z.avail_in = 0;
  run(Z_SYNC_FLUSH, out);
  unflushed_ = false;
}

uint64_t DeflateStream::bytes_in() const {
  return state_->z.total_in;
}
uint64_t DeflateStream::bytes_out() const {
  return state_->z.total_out;
}

struct InflateStream::State {
  z_stream z{};
  bool ended = false;
  ~State() { inflateEnd(&z); }
};

maildir::Result<std::unique_ptr<InflateStream>> InflateStream::create() {
  auto st = std::make_unique<State>();
  if (inflateInit2(&st->z, kWindowBits) != Z_OK) {
    return maildir::Status(maildir::Code::kIo, "inflateInit2 failed");
  }
  return std::unique_ptr<InflateStream>(new InflateStream(std::move(st)));
}

InflateStream::InflateStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
InflateStream::~InflateStream() = default;

maildir::Result<size_t> InflateStream::read(std::string& compressed, std::string& out,
                                            size_t max_out) {
  z_stream& z = state_->z;
  size_t produced = 0;
  size_t taken = 0;
  while (produced < max_out && taken < compressed.size()) {
    if (state_->ended) {
      return maildir::Status(maildir::Code::kCorrupt, "data after the end of the deflate stream");
    }
    size_t room = std::min(kChunk, max_out - produced);
    size_t old = out.size();
    out.resize(old + room);
    z.next_in = reinterpret_cast<Bytef*>(compressed.data() + taken);
    z.avail_in = static_cast<uInt>(std::min<size_t>(compressed.size() - taken, 1u << 30));
    z.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    z.avail_out = static_cast<uInt>(room);
    size_t before_in = z.avail_in;
    int rc = inflate(&z, Z_NO_FLUSH);
    size_t got = room - z.avail_out;
    out.resize(old + got);
    taken += before_in - z.avail_in;
    produced += got;
    if (rc == Z_STREAM_END) {
      state_->ended = true;
      continue;
    }
    if (rc == Z_BUF_ERROR) break;  // needs more input (or room): not an error
    if (rc != Z_OK) {
      compressed.erase(0, taken);
      return maildir::Status(maildir::Code::kCorrupt,
                             std::string("bad deflate data: ") + (z.msg ? z.msg : "error"));
    }
    if (got == 0 && before_in == z.avail_in) break;
  }
  compressed.erase(0, taken);
  z.next_in = nullptr;
  z.avail_in = 0;
  return produced;
}

}  // namespace net
