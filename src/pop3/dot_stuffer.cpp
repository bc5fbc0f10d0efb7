#include "pop3/dot_stuffer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tegami::pop3 {

void DotStuffer::end_line(std::string& out) {
  out += "\r\n";
  if (in_body_) {
    ++body_seen_;
  } else if (line_empty_) {
    in_body_ = true;  // the blank line between header and body
  }
  at_line_start_ = true;
  line_empty_ = true;
  if (in_body_ && body_lines_ && body_seen_ >= *body_lines_) done_ = true;
}

bool DotStuffer::feed(std::string_view in, std::string& out) {
  if (in_body_ && body_lines_ && body_seen_ >= *body_lines_) done_ = true;
  out.reserve(out.size() + in.size() + in.size() / 32 + 8);
  const char* p = in.data();
  const char* const end = p + in.size();
  while (p < end && !done_) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (*p == '\n') {
        end_line(out);
        ++p;
        continue;
      }
      // A bare CR inside a line: keep it.
      at_line_start_ = false;
      line_empty_ = false;
      out += '\r';
      continue;
    }
    if (at_line_start_ && *p == '.') out += '.';
    // The rest of the line is copied as one span; memchr finds its end (the hot loop of RETR).
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* stop = nl != nullptr ? nl : end;
    // A CR right before the LF is the line end (CRLF in the file); one at the end of this
    // piece may be, if the next piece starts with LF. Any other CR is kept.
    bool cr = stop > p && stop[-1] == '\r';
    const char* content_end = cr ? stop - 1 : stop;
    if (content_end > p) {
      out.append(p, static_cast<size_t>(content_end - p));
      at_line_start_ = false;
      line_empty_ = false;
    }
    if (nl != nullptr) {
      end_line(out);
      p = nl + 1;
    } else {
      pending_cr_ = cr;
      p = end;
    }
  }
  return !done_;
}

void DotStuffer::finish(std::string& out) {
  if (!done_) {
    if (pending_cr_) {
      pending_cr_ = false;
      out += '\r';
      at_line_start_ = false;
    }
    if (!at_line_start_) out += "\r\n";
  }
  done_ = true;
  out += ".\r\n";
}

namespace {

class MessageStream final : public net::PullSource {
 public:
  MessageStream(int fd, std::optional<std::uint32_t> body_lines) : fd_(fd), stuffer_(body_lines) {}
  ~MessageStream() override {
    if (fd_ >= 0) ::close(fd_);
  }

  maildir::Result<size_t> pull_append(std::string& out, size_t max) override {
    if (pos_ < out_.size()) {  // left over from pull()
      size_t k = std::min(max, out_.size() - pos_);
      out.append(out_, pos_, k);
      pos_ += k;
      return k;
    }
    if (finished_) return size_t{0};
    size_t before = out.size();
    while (out.size() == before) {
      if (stuffer_.done()) {
        stuffer_.finish(out);
        finished_ = true;
        break;
      }
      in_.resize(kReadSize);
      ssize_t n = ::read(fd_, in_.data(), std::min(std::max<size_t>(max, 4096), kReadSize));
      if (n < 0) {
        if (errno == EINTR) continue;
        return maildir::from_errno(errno, "read message");
      }
      if (n == 0) {
        stuffer_.finish(out);
        finished_ = true;
        break;
      }
      stuffer_.feed(std::string_view(in_.data(), static_cast<size_t>(n)), out);
    }
    return out.size() - before;
  }

  maildir::Result<size_t> pull(char* buf, size_t cap) override {
    while (pos_ == out_.size() && !finished_) {
      out_.clear();
      pos_ = 0;
      if (stuffer_.done()) {
        stuffer_.finish(out_);
        finished_ = true;
        break;
      }
      char in[65536];
      ssize_t n = ::read(fd_, in, sizeof in);
      if (n < 0) {
        if (errno == EINTR) continue;
        return maildir::from_errno(errno, "read message");
      }
      if (n == 0) {
        stuffer_.finish(out_);
        finished_ = true;
        break;
      }
      stuffer_.feed(std::string_view(in, static_cast<size_t>(n)), out_);
    }
    size_t k = std::min(cap, out_.size() - pos_);
    std::memcpy(buf, out_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  static constexpr size_t kReadSize = 65536;
  int fd_;
  DotStuffer stuffer_;
  std::string in_;  // pull_append's read buffer
  std::string out_;
  size_t pos_ = 0;
  bool finished_ = false;
};

}  // namespace

maildir::Result<std::unique_ptr<net::PullSource>> open_message_stream(
    const std::string& path, std::optional<std::uint32_t> body_lines) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return maildir::from_errno(errno, "open " + path);
  return std::unique_ptr<net::PullSource>(new MessageStream(fd, body_lines));
}

}  // namespace tegami::pop3
