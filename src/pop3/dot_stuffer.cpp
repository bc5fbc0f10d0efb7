#include "pop3/dot_stuffer.h"

#include <fcntl.h>
#include <unistd.h>

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
  size_t i = 0;
  while (i < in.size() && !done_) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (in[i] == '\n') {
        end_line(out);
        ++i;
        continue;
      }
      // A bare CR inside a line: keep it.
      at_line_start_ = false;
      line_empty_ = false;
      out += '\r';
      continue;
    }
    char ch = in[i];
    if (ch == '\r') {
      pending_cr_ = true;
      ++i;
      continue;
    }
    if (ch == '\n') {
      end_line(out);
      ++i;
      continue;
    }
    if (at_line_start_ && ch == '.') out += '.';
    at_line_start_ = false;
    line_empty_ = false;
    // The rest of the line up to the next CR or LF is copied as one span.
    size_t j = i + 1;
    while (j < in.size() && in[j] != '\n' && in[j] != '\r') ++j;
    out.append(in.data() + i, j - i);
    i = j;
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
  int fd_;
  DotStuffer stuffer_;
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
