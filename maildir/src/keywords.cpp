#include "maildir/keywords.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "maildir/uidlist.h"
#include "replace_file.h"

namespace maildir {

namespace {

constexpr std::string_view kKeywordsTmpName = "dovecot-keywords.tmp";
constexpr std::size_t kMaxKeywordsFile = 64 * 1024;

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

Status validate_keyword(std::string_view keyword) {
  if (keyword.empty()) return Status(Code::kInvalidArgument, "empty keyword");
  if (keyword.size() > kMaxKeywordLength) {
    return Status(Code::kInvalidArgument,
                  "keyword longer than " + std::to_string(kMaxKeywordLength) + " bytes");
  }
  if (keyword[0] == '\\') {
    return Status(Code::kInvalidArgument,
                  "\"" + std::string(keyword) + "\" is a system flag, not a keyword");
  }
  for (char c : keyword) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return Status(Code::kInvalidArgument,
                    "keywords may not contain spaces, control or non-ASCII characters");
    }
    switch (c) {
      case '(':
      case ')':
      case '{':
      case '%':
      case '*':
      case '"':
      case '\\':
      case ']':
        return Status(Code::kInvalidArgument, std::string("keywords may not contain '") + c + "'");
      default:
        break;
    }
  }
  return Status::Ok();
}

Keywords Keywords::parse(std::string_view content) {
  Keywords k;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    std::size_t sp = line.find(' ');
    if (sp == 0 || sp == std::string_view::npos || sp > 2) continue;
    int idx = 0;
    bool digits = true;
    for (char c : line.substr(0, sp)) {
      if (c < '0' || c > '9') digits = false;
      idx = idx * 10 + (c - '0');
    }
    if (!digits || idx >= kMaxKeywordLetters) continue;
    std::string_view name = line.substr(sp + 1);
    if (name.empty()) continue;
    // Dovecot takes the rest of the line as the name. We show IMAP clients only valid atoms;
    // an invalid name (or a second index for the same name) keeps its index reserved.
    auto other = k.find(name);
    if (!validate_keyword(name).ok() || (other && *other != idx))
      k.invalid_ |= 1u << idx;
    else
      k.invalid_ &= ~(1u << idx);
    k.names_[static_cast<std::size_t>(idx)] = std::string(name);
  }
  return k;
}

std::string Keywords::serialize() const {
  std::string out;
  for (int i = 0; i < kMaxKeywordLetters; ++i) {
    if (names_[static_cast<std::size_t>(i)]) {
      out += std::to_string(i);
      out += ' ';
      out += *names_[static_cast<std::size_t>(i)];
      out += '\n';
    }
  }
  return out;
}

Result<Keywords> Keywords::load(const std::string& dir) {
  Keywords k;
  k.dir_ = dir;
  auto changed = k.refresh();
  if (!changed.ok()) return changed.status();
  return k;
}

Result<bool> Keywords::refresh() {
  if (dir_.empty()) return Status(Code::kInvalidArgument, "keywords table without a folder");
  std::string path = dir_ + "/" + std::string(kKeywordsName);
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return from_errno("open " + path);
    bool had = size_ >= 0;
    names_ = {};
    invalid_ = 0;
    dirty_ = false;
    dev_ = 0;
    ino_ = 0;
    size_ = -1;
    mtime_ns_ = 0;
    return had;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return from_errno(err, "fstat " + path);
  }
  if (st.st_dev == dev_ && st.st_ino == ino_ && st.st_size == size_ &&
      internal::mtime_ns(st) == mtime_ns_) {
    close(fd);
    return false;
  }
  Result<std::string> content = internal::read_state_file(
      fd, std::min<std::size_t>(static_cast<std::size_t>(st.st_size), kMaxKeywordsFile), path);
  close(fd);
  if (!content.ok()) return content.status();
  Keywords fresh = parse(*content);
  names_ = std::move(fresh.names_);
  invalid_ = fresh.invalid_;
  dirty_ = false;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  size_ = st.st_size;
  mtime_ns_ = internal::mtime_ns(st);
  return true;
}

std::optional<int> Keywords::find(std::string_view keyword) const {
  for (int i = 0; i < kMaxKeywordLetters; ++i) {
    const auto& n = names_[static_cast<std::size_t>(i)];
    if (n && ((invalid_ >> i) & 1u) == 0 && iequals(*n, keyword)) return i;
  }
  return std::nullopt;
}

std::optional<std::string_view> Keywords::name(int index) const {
  if (index < 0 || index >= kMaxKeywordLetters) return std::nullopt;
  const auto& n = names_[static_cast<std::size_t>(index)];
  if (!n || ((invalid_ >> index) & 1u) != 0) return std::nullopt;
  return std::string_view(*n);
}

int Keywords::count() const {
  int c = 0;
  for (int i = 0; i < kMaxKeywordLetters; ++i) c += name(i) ? 1 : 0;
  return c;
}

Result<int> Keywords::assign(std::string_view keyword) {
  if (Status s = validate_keyword(keyword); !s.ok()) return s;
  if (auto idx = find(keyword)) return *idx;
  for (int i = 0; i < kMaxKeywordLetters; ++i) {
    auto& n = names_[static_cast<std::size_t>(i)];
    if (!n) {
      n = std::string(keyword);
      dirty_ = true;
      return i;
    }
  }
  return Status(Code::kLimit, "cannot add keyword \"" + std::string(keyword) +
                                  "\": all 26 keyword letters a-z of this folder are in use");
}

std::uint32_t Keywords::mask_of(const std::vector<std::string>& keywords,
                                std::vector<std::string>* missing) const {
  std::uint32_t mask = 0;
  for (const auto& k : keywords) {
    if (auto idx = find(k)) {
      mask |= 1u << *idx;
    } else if (missing != nullptr) {
      missing->push_back(k);
    }
  }
  return mask;
}

std::vector<std::string> Keywords::names_of(std::uint32_t mask) const {
  std::vector<std::string> out;
  for (int i = 0; i < kMaxKeywordLetters; ++i) {
    const auto& n = names_[static_cast<std::size_t>(i)];
    if (((mask >> i) & 1u) != 0 && n && ((invalid_ >> i) & 1u) == 0) out.push_back(*n);
  }
  return out;
}

Status Keywords::save(const UidListLock& lock) {
  if (!lock.held() || lock.dir() != dir_) {
    return Status(Code::kInvalidArgument, "writing " + dir_ + "/" + std::string(kKeywordsName) +
                                              " requires holding its dovecot-uidlist.lock");
  }
  if (!dirty_) return Status::Ok();
  std::string path = dir_ + "/" + std::string(kKeywordsName);
  struct stat now;
  bool present = lstat(path.c_str(), &now) == 0;
  if (!present && errno != ENOENT) return from_errno("stat " + path);
  bool same = present ? (size_ >= 0 && now.st_dev == dev_ && now.st_ino == ino_ &&
                         now.st_size == size_ && internal::mtime_ns(now) == mtime_ns_)
                      : size_ < 0;
  if (!same) {
    return Status(Code::kInvalidArgument,
                  path +
                      " changed since it was read; refresh it under the uidlist lock and "
                      "assign the keywords again");
  }
  // Readers (Dovecot) compare whole-second mtimes: make sure ours moves forward.
  std::int64_t min_mtime = size_ >= 0 ? mtime_ns_ / 1000000000 + 1 : 0;
  struct stat st;
  Status s =
      internal::replace_file(dir_, kKeywordsName, kKeywordsTmpName, serialize(), min_mtime, &st);
  if (!s.ok()) return s;
  dirty_ = false;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  size_ = st.st_size;
  mtime_ns_ = internal::mtime_ns(st);
  return Status::Ok();
}

}  // namespace maildir
