// The connection's output half (see connection.cpp for the shape of the whole): handler output
// is queued as byte chunks or pull sources, moved into the wire buffer (deflated, encrypted)
// only while that buffer is small, and written one uv_write at a time; the queue's size drives
// the high-water mark that stops reading.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "log/log.h"
#include "net/worker_impl.h"

namespace net {

namespace {
class FileRangeSource final : public PullSource {
 public:
  FileRangeSource(int fd, uint64_t offset, uint64_t length)
      : fd_(fd), offset_(offset), remaining_(length) {}
  ~FileRangeSource() override { ::close(fd_); }
  maildir::Result<size_t> pull(char* buf, size_t cap) override {
    if (remaining_ == 0) return size_t{0};
    size_t want = static_cast<size_t>(std::min<uint64_t>(cap, remaining_));
    ssize_t n;
    do {
      n = ::pread(fd_, buf, want, static_cast<off_t>(offset_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return maildir::from_errno("pread");
    if (n == 0) return maildir::Status(maildir::Code::kIo, "file shorter than the promised range");
    offset_ += static_cast<uint64_t>(n);
    remaining_ -= static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t remaining_;
};

constexpr size_t kWireTarget = 64 * 1024;      // pull sources until this much is ready to write
constexpr size_t kPlainPerPump = 1024 * 1024;  // plaintext bytes deflated per pump() at most

}  // namespace

maildir::Result<size_t> PullSource::pull_append(std::string& out, size_t max) {
  char buf[16384];
  auto n = pull(buf, std::min(max, sizeof buf));
  if (n.ok()) out.append(buf, n.value());
  return n;
}

maildir::Result<std::unique_ptr<PullSource>> open_file_range(const std::string& path,
                                                             uint64_t offset, uint64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return maildir::from_errno("open " + path);
  return std::unique_ptr<PullSource>(new FileRangeSource(fd, offset, length));
}

namespace detail {

// --- output ---------------------------------------------------------------------------------

void TcpConnection::send(std::string_view bytes) {
  send(std::string(bytes));
}

void TcpConnection::send(std::string&& bytes) {
  if (closing_ || bytes.empty()) return;
  pending_bytes_ += bytes.size();
  pending_.push_back(Chunk{std::move(bytes), nullptr});
  pump();
}

void TcpConnection::send(std::unique_ptr<PullSource> source) {
  if (closing_ || !source) return;
  pending_.push_back(Chunk{std::string(), std::move(source)});
  pump();
}

size_t TcpConnection::pending_output() const {
  return pending_bytes_ + wire_.size() + writing_bytes_;
}

void TcpConnection::encode(std::string_view plaintext) {
  if (deflate_ && !tls_) {
    deflate_->write(plaintext, wire_);  // straight into the socket buffer
    return;
  }
  if (deflate_) {
    std::string z;
    deflate_->write(plaintext, z);
    encode_raw(z);
    return;
  }
  encode_raw(plaintext);
}

// Ends a compressed burst: the client can decode everything sent so far.
void TcpConnection::flush_compressed() {
  if (!deflate_ || !deflate_->needs_flush()) return;
  if (tls_ && tls_->state() != TlsSession::State::kOpen) return;
  std::string z;
  deflate_->flush(z);
  encode_raw(z);
  if (tls_) tls_->take_output(wire_);
}

void TcpConnection::encode_raw(std::string_view plaintext) {
  if (tls_) {
    if (tls_->state() == TlsSession::State::kOpen) tls_->write(plaintext);
  } else {
    wire_.append(plaintext);
  }
}

// Moves pending chunks into wire_ (encrypting under TLS) and starts a write if none is in
// flight. Safe to call at any time; does nothing once the handles are closing.
void TcpConnection::pump() {
  if (handles_closing_) return;
  bool tls_ready = !tls_ || tls_->state() == TlsSession::State::kOpen;
  if (tls_ && (tls_->state() == TlsSession::State::kClosed ||
               tls_->state() == TlsSession::State::kFailed)) {
    pending_.clear();  // nothing can be sent any more
    pending_bytes_ = 0;
  }
  size_t encoded = 0;
  while (tls_ready && !pending_.empty() && wire_.size() < kWireTarget && encoded < kPlainPerPump) {
    Chunk& c = pending_.front();
    if (c.source) {
      maildir::Result<size_t> n = size_t{0};
      if (tls_ || deflate_) {
        char buf[16384];
        n = c.source->pull(buf, sizeof buf);
        if (n.ok() && n.value() > 0) encode(std::string_view(buf, n.value()));
      } else {
        n = c.source->pull_append(wire_, kWireTarget - wire_.size());  // no extra copy
      }
      if (!n.ok()) {
        logging::warning("connection " + std::to_string(id_) +
                         ": output source failed: " + n.status().to_string());
        abort_with(CloseReason::kIoError);
        return;
      }
      if (n.value() == 0) {
        pending_.pop_front();
        continue;
      }
      encoded += n.value();
    } else {
      std::string bytes = std::move(c.bytes);
      pending_.pop_front();
      pending_bytes_ -= bytes.size();
      encoded += bytes.size();
      encode(bytes);
    }
    if (tls_) tls_->take_output(wire_);
  }
  if (tls_) tls_->take_output(wire_);
  if (deflate_ && tls_ready && deflate_->needs_flush()) {
    if (!pending_.empty() || closing_) {
      // Mid-stream with nothing compressed out yet (very compressible data), or closing:
      // flush now so the write below makes progress.
      if (wire_.empty() || closing_) flush_compressed();
    } else if (!flush_posted_) {
      // The queue ran empty: flush once at the end of this loop turn, so the lines a
      // command sends one by one go out as one compressed burst.
      flush_posted_ = true;
      std::shared_ptr<bool> alive = alive_;
      worker_->post([this, alive]() {
        if (!*alive) return;
        flush_posted_ = false;
        flush_compressed();
        pump();
      });
    }
  }

  if (!write_in_flight_ && !wire_.empty()) {
    struct WriteReq {
      uv_write_t req{};
      std::string data;
    };
    auto* w = new WriteReq();
    w->data = std::move(wire_);
    wire_.clear();
    // Filled again without growing step by step while more output waits; an idle connection
    // keeps no buffer (1,000 idle sessions would hold 80 MB of address space otherwise).
    if (!pending_.empty()) wire_.reserve(kWireTarget + kWireTarget / 4);
    w->req.data = w;
    uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    writing_bytes_ = w->data.size();
    write_in_flight_ = true;
    int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1,
                      [](uv_write_t* req, int status) {
                        auto* wr = static_cast<WriteReq*>(req->data);
                        auto* self = static_cast<TcpConnection*>(req->handle->data);
                        size_t n = wr->data.size();
                        delete wr;
                        if (self != nullptr) {
                          self->write_in_flight_ = false;
                          self->writing_bytes_ = 0;
                          if (status == 0) self->listener_->stats->bytes_out += n;
                          self->on_write_done(status);
                        }
                      });
    if (rc != 0) {
      delete w;
      write_in_flight_ = false;
      writing_bytes_ = 0;
      abort_with(CloseReason::kIoError);
      return;
    }
  }
  update_water();
}

void TcpConnection::on_write_done(int status) {
  if (handles_closing_) return;
  if (status != 0) {
    abort_with(CloseReason::kIoError);
    return;
  }
  pump();
  if (closing_ && pending_output() == 0 && !write_in_flight_) finish_close();
}

void TcpConnection::update_water() {
  size_t high = worker_->shared()->output_high_water.load();
  size_t queued = pending_output();
  if (!above_high_water_ && queued > high) {
    above_high_water_ = true;
    update_reading();
  } else if (above_high_water_ && queued <= high / 2) {
    above_high_water_ = false;
    update_reading();
    if (!closing_ && handler_ && phase_ == Phase::kOpen) {
      handler_->on_writable(*this);
      if ((!in_.empty() || !zin_.empty()) && !delivering_)
        deliver();  // input held back while above high water
    }
  }
}

}  // namespace detail
}  // namespace net
