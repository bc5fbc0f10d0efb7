#include "imap/special_use.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <vector>

#include "imap/mailbox_names.h"
#include "maildir/env.h"

namespace imap {

namespace {

constexpr std::string_view kFile = "tegami-special-use";

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view canonical_use_attribute(std::string_view attr) {
  static constexpr std::string_view kAllowed[] = {"\\Archive", "\\Drafts", "\\Junk", "\\Sent",
                                                  "\\Trash"};
  for (std::string_view a : kAllowed) {
    if (iequal(a, attr)) return a;
  }
  return "";
}

SpecialUseMap SpecialUseMap::parse(std::string_view contents) {
  SpecialUseMap m;
  while (!contents.empty()) {
    size_t nl = contents.find('\n');
    std::string_view line = contents.substr(0, nl);
    contents = nl == std::string_view::npos ? std::string_view() : contents.substr(nl + 1);
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp + 1 >= line.size()) continue;
    std::string_view attr = canonical_use_attribute(line.substr(0, sp));
    if (attr.empty()) continue;
    m.chosen_[std::string(line.substr(sp + 1))] = std::string(attr);
  }
  return m;
}

std::string SpecialUseMap::serialize() const {
  std::string out;
  for (const auto& [name, attr] : chosen_) out += attr + " " + name + "\n";
  return out;
}

maildir::Result<SpecialUseMap> SpecialUseMap::load(const std::string& root) {
  std::string path = root + "/" + std::string(kFile);
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return SpecialUseMap();
    return maildir::from_errno("open " + path);
  }
  std::string data;
  char buf[8192];
  while (data.size() < (1u << 20)) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      maildir::Status st = maildir::from_errno("read " + path);
      ::close(fd);
      return st;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return parse(data);
}

std::string_view SpecialUseMap::attribute(std::string_view name) const {
  auto it = chosen_.find(name);
  if (it != chosen_.end()) return it->second;
  return special_use_attribute(defaults_, name);
}

void SpecialUseMap::set(const std::string& name, std::string_view attribute) {
  chosen_[name] = std::string(attribute);
}

void SpecialUseMap::remove(std::string_view name) {
  auto it = chosen_.find(name);
  if (it != chosen_.end()) chosen_.erase(it);
}

void SpecialUseMap::rename(std::string_view from, std::string_view to) {
  std::map<std::string, std::string, std::less<>> next;
  for (auto& [name, attr] : chosen_) {
    std::string_view n = name;
    if (n == from) {
      next[std::string(to)] = attr;
    } else if (n.size() > from.size() && n.substr(0, from.size()) == from &&
               n[from.size()] == '/') {
      next[std::string(to) + std::string(n.substr(from.size()))] = attr;
    } else {
      next[name] = attr;
    }
  }
  chosen_ = std::move(next);
}

bool SpecialUseMap::has_chosen(std::string_view name) const {
  for (const auto& [n, attr] : chosen_) {
    (void)attr;
    if (n == name ||
        (n.size() > name.size() && n.compare(0, name.size(), name) == 0 && n[name.size()] == '/')) {
      return true;
    }
  }
  return false;
}

void special_use_folder_deleted(const std::string& root, std::string_view name) {
  auto m = SpecialUseMap::load(root);
  if (!m.ok() || !m->has_chosen(name)) return;
  m->remove(name);
  (void)m->save(root);
}

void special_use_folder_renamed(const std::string& root, std::string_view from,
                                std::string_view to) {
  auto m = SpecialUseMap::load(root);
  if (!m.ok() || !m->has_chosen(from)) return;
  m->rename(from, to);
  (void)m->save(root);
}

maildir::Status SpecialUseMap::save(const std::string& root) const {
  static std::atomic<unsigned> counter{0};
  maildir::Env& env = maildir::Env::posix();
  std::string tmp = root + "/tmp/" + std::string(kFile) + "." + std::to_string(::getpid()) + "." +
                    std::to_string(counter++);
  auto fd = env.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (!fd.ok()) return fd.status();
  std::string content = serialize();
  maildir::Status st = env.write(*fd, content.data(), content.size());
  if (st.ok()) st = env.fsync(*fd);
  maildir::Status cl = env.close(*fd);
  if (st.ok()) st = cl;
  if (st.ok()) st = env.rename(tmp, root + "/" + std::string(kFile), maildir::RenameMode::kReplace);
  if (!st.ok()) {
    (void)env.unlink(tmp);
    return st;
  }
  return env.sync_dir(root);
}

}  // namespace imap
