#include "imap/message_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imap {

namespace {

constexpr size_t kChunk = 64 * 1024;

maildir::Result<size_t> pread_some(int fd, char* buf, size_t n, uint64_t off) {
  ssize_t r;
  do {
    r = ::pread(fd, buf, n, static_cast<off_t>(off));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return maildir::from_errno("read message");
  return static_cast<size_t>(r);
}

class WindowSource final : public net::PullSource {
 public:
  WindowSource(std::shared_ptr<const MessageFile> file, int fd, uint64_t offset, uint64_t length,
               Window w)
      : file_(std::move(file)),
        fd_(fd),
        pos_(offset),
        end_(offset + length),
        conv_(file_->cr_before(offset), w.skip, w.take) {}

  maildir::Result<size_t> pull(char* buf, size_t cap) override {
    while (out_pos_ == out_.size()) {
      if (conv_.done()) return size_t{0};
      out_.clear();
      out_pos_ = 0;
      if (pos_ >= end_) {
        return maildir::Status(maildir::Code::kIo, "message shorter than its FETCH literal");
      }
      char in[kChunk];
      size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof in, end_ - pos_));
      auto n = pread_some(fd_, in, want, pos_);
      if (!n.ok()) return n.status();
      if (*n == 0) {
        return maildir::Status(maildir::Code::kIo, "message shorter than its FETCH literal");
      }
      pos_ += *n;
      conv_.feed(std::string_view(in, *n), out_);
    }
    size_t k = std::min(cap, out_.size() - out_pos_);
    std::memcpy(buf, out_.data() + out_pos_, k);
    out_pos_ += k;
    return k;
  }

 private:
  std::shared_ptr<const MessageFile> file_;  // keeps fd_ open
  int fd_;
  uint64_t pos_;
  uint64_t end_;
  CrlfWindow conv_;
  std::string out_;
  size_t out_pos_ = 0;
};

class MarkerSource final : public net::PullSource {
 public:
  explicit MarkerSource(std::function<void()> reached) : reached_(std::move(reached)) {}
  maildir::Result<size_t> pull(char*, size_t) override {
    if (reached_) {
      auto fn = std::move(reached_);
      reached_ = nullptr;
      fn();
    }
    return size_t{0};
  }

 private:
  std::function<void()> reached_;
};

}  // namespace

maildir::Result<std::shared_ptr<MessageFile>> MessageFile::open(const std::string& path) {
  // O_NOATIME: reading a message need not write its inode (a first SORT or SEARCH reads
  // every message); refused (EPERM) for files of another owner, then opened as usual.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return maildir::from_errno("open " + path);
  return std::shared_ptr<MessageFile>(new MessageFile(fd));
}

MessageFile::~MessageFile() {
  ::close(fd_);
}

maildir::Result<std::string> MessageFile::read(uint64_t offset, uint64_t length) const {
  std::string out(static_cast<size_t>(length), '\0');
  size_t got = 0;
  while (got < out.size()) {
    auto n = pread_some(fd_, out.data() + got, out.size() - got, offset + got);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    got += *n;
  }
  out.resize(got);
  return out;
}

maildir::Result<std::string> MessageFile::read_crlf(uint64_t offset, uint64_t length,
                                                    Window w) const {
  CrlfWindow conv(cr_before(offset), w.skip, w.take);
  std::string out;
  uint64_t pos = offset;
  const uint64_t end = offset + length;
  char in[kChunk];
  while (!conv.done() && pos < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof in, end - pos));
    auto n = pread_some(fd_, in, want, pos);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    pos += *n;
    conv.feed(std::string_view(in, *n), out);
  }
  if (!conv.done()) return maildir::Status(maildir::Code::kIo, "message shorter than expected");
  return out;
}

maildir::Status MessageFile::seek_crlf(uint64_t end, uint64_t target, CrlfPosition& pos) const {
  bool prev_cr = cr_before(pos.stored);
  char in[kChunk];
  while (pos.crlf < target && pos.stored < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof in, end - pos.stored));
    auto n = pread_some(fd_, in, want, pos.stored);
    if (!n.ok()) return n.status();
    if (*n == 0) return maildir::Status(maildir::Code::kIo, "message shorter than expected");
    std::string_view chunk(in, *n);
    while (!chunk.empty()) {
      size_t lf = chunk.find('\n');
      size_t run = lf == std::string_view::npos ? chunk.size() : lf;
      if (pos.crlf + run >= target) {  // the target lies inside this run of non-LF bytes
        pos.stored += target - pos.crlf;
        pos.crlf = target;
        return {};
      }
      pos.stored += run;
      pos.crlf += run;
      if (lf == std::string_view::npos) {
        prev_cr = chunk.back() == '\r';
        break;
      }
      bool cr = lf > 0 ? chunk[lf - 1] == '\r' : prev_cr;
      uint64_t out = cr ? 1 : 2;
      if (pos.crlf + out > target) return {};  // stop before this LF (target - crlf == 1)
      pos.stored += 1;
      pos.crlf += out;
      prev_cr = false;
      chunk.remove_prefix(lf + 1);
    }
  }
  return {};
}

bool MessageFile::cr_before(uint64_t offset) const {
  if (offset == 0) return false;
  char c = 0;
  auto n = pread_some(fd_, &c, 1, offset - 1);
  return n.ok() && *n == 1 && c == '\r';
}

maildir::Status MessageFile::read_all(const std::function<void(std::string_view)>& sink) const {
  char in[kChunk];
  uint64_t pos = 0;
  while (true) {
    auto n = pread_some(fd_, in, sizeof in, pos);
    if (!n.ok()) return n.status();
    if (*n == 0) return maildir::Status::Ok();
    pos += *n;
    sink(std::string_view(in, *n));
  }
}

std::unique_ptr<net::PullSource> window_source(std::shared_ptr<const MessageFile> file,
                                               uint64_t offset, uint64_t length, Window w) {
  int fd = file->fd();
  return std::make_unique<WindowSource>(std::move(file), fd, offset, length, w);
}

std::unique_ptr<net::PullSource> marker_source(std::function<void()> reached) {
  return std::make_unique<MarkerSource>(std::move(reached));
}

}  // namespace imap
