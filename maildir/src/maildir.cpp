// The Maildir++ tree: folders as ".Name.Sub" directories in the root.
//
// Every access below the root goes through the root's descriptor with *at() calls that do not
// follow symlinks, so no name and no planted link can lead outside the tree. Directory
// changes are made atomic by building in the root's tmp/ and renaming into place, and made
// durable by fsyncing the directories whose entries changed.
#include "maildir/maildir.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>

#include "maildir/lock.h"

namespace maildir {

namespace {

constexpr const char* kSubdirs[] = {"tmp", "new", "cur"};
constexpr int kMaxRemoveDepth = 8;

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string join(const std::string& dir, std::string_view name) {
  std::string out = dir;
  if (!name.empty()) {
    out += '/';
    out += name;
  }
  return out;
}

Status fsync_dir(int fd, const std::string& what) {
  if (::fsync(fd) != 0) return from_errno("fsync " + what);
  return Status::Ok();
}

// A unique name for temporary entries in the root's tmp/.
std::string unique_name(std::string_view prefix) {
  static std::atomic<unsigned long> counter{0};
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  std::string out(prefix);
  out += std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" +
         std::to_string(::getpid()) + "Q" + std::to_string(++counter) + "." + local_hostname();
  return out;
}

// Opens directory `name` under `dirfd` without following a symlink at its last component.
// kNotFound if missing, kPermission if it is a symlink or not a directory.
Result<Fd> open_dir_at(int dirfd, const std::string& name, const std::string& shown) {
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) return Fd(fd);
  int err = errno;
  if (err == ELOOP || err == ENOTDIR) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISLNK(st.st_mode)) {
        return Status(Code::kPermission, shown + " is a symlink: refused");
      }
      return Status(Code::kPermission, shown + " is not a directory");
    }
  }
  return from_errno(err, "open " + shown);
}

// kOk if `name` under `dirfd` is a real directory or missing (when `missing_ok`).
Status check_real_dir_at(int dirfd, const char* name, const std::string& shown, bool missing_ok) {
  struct stat st;
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT && missing_ok) return Status::Ok();
    return from_errno("stat " + shown);
  }
  if (S_ISLNK(st.st_mode)) return Status(Code::kPermission, shown + " is a symlink: refused");
  if (!S_ISDIR(st.st_mode)) return Status(Code::kPermission, shown + " is not a directory");
  return Status::Ok();
}

Status check_subdirs(int folder_fd, const std::string& shown, bool missing_ok) {
  for (const char* sub : kSubdirs) {
    Status s = check_real_dir_at(folder_fd, sub, join(shown, sub), missing_ok);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// Names of the entries of directory `fd` (without "." and ".."), with their d_type.
Result<std::vector<std::pair<std::string, unsigned char>>> read_dir(int fd,
                                                                    const std::string& shown) {
  // A fresh open file description, so concurrent listings do not share a read offset.
  int copy = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (copy < 0) return from_errno("open " + shown);
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    Status s = from_errno("fdopendir " + shown);
    ::close(copy);
    return s;
  }
  std::vector<std::pair<std::string, unsigned char>> out;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") out.emplace_back(std::string(n), e->d_type);
    errno = 0;
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return from_errno(err, "readdir " + shown);
  return out;
}

// True if entry `name` (with d_type `type`) under `dirfd` is a real directory.
bool is_real_dir(int dirfd, const std::string& name, unsigned char type) {
  if (type == DT_DIR) return true;
  if (type != DT_UNKNOWN) return false;
  struct stat st;
  return ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

// rename without replacing an existing target. kExists if the target exists.
Status rename_noreplace(int from_dir, const std::string& from, int to_dir, const std::string& to,
                        const std::string& shown) {
  if (::renameat2(from_dir, from.c_str(), to_dir, to.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::Ok();
  }
  int err = errno;
  if (err == EINVAL || err == ENOSYS) {
    // File systems without RENAME_NOREPLACE (some NFS): check, then rename. rename(2) still
    // refuses to replace a non-empty directory, which every folder has (tmp/ new/ cur/).
    struct stat st;
    if (::fstatat(to_dir, to.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      return Status(Code::kExists, shown + ": target exists");
    }
    if (::renameat(from_dir, from.c_str(), to_dir, to.c_str()) == 0) return Status::Ok();
    err = errno;
  }
  if (err == EEXIST || err == ENOTEMPTY) return Status(Code::kExists, shown + ": target exists");
  return from_errno(err, shown);
}

// Removes directory `name` under `parent` and everything in it, never following symlinks
// (a symlink is unlinked as an entry). Bounded depth: a deeper tree is left in place.
Status remove_tree_at(int parent, const std::string& name, const std::string& shown, int depth) {
  if (depth > kMaxRemoveDepth) return Status(Code::kLimit, shown + ": nested too deeply");
  Result<Fd> fd = open_dir_at(parent, name, shown);
  if (!fd) return fd.status();
  auto entries = read_dir(fd->get(), shown);
  if (!entries) return entries.status();
  for (const auto& [entry, type] : *entries) {
    std::string child_shown = join(shown, entry);
    if (is_real_dir(fd->get(), entry, type)) {
      Status s = remove_tree_at(fd->get(), entry, child_shown, depth + 1);
      if (!s.ok()) return s;
    } else if (::unlinkat(fd->get(), entry.c_str(), 0) != 0 && errno != ENOENT) {
      return from_errno("unlink " + child_shown);
    }
  }
  if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return from_errno("rmdir " + shown);
  }
  return Status::Ok();
}

// Opens the folder directory for `name` (validated) and checks it and its tmp/ new/ cur/.
Result<Fd> open_folder_fd(int root_fd, const std::string& root, std::string_view name,
                          NameEncoding encoding) {
  Result<std::string> dir = folder_dir_name(name, encoding);
  if (!dir) return dir.status();
  std::string shown = join(root, *dir);
  Result<Fd> fd =
      dir->empty() ? open_dir_at(root_fd, ".", shown) : open_dir_at(root_fd, *dir, shown);
  if (!fd) {
    if (fd.status().code() == Code::kNotFound) {
      return Status(Code::kNotFound, "mailbox '" + std::string(name) + "' does not exist");
    }
    return fd.status();
  }
  Status s = check_subdirs(fd->get(), shown, /*missing_ok=*/true);
  if (!s.ok()) return s;
  return fd;
}

Status make_subdirs(int fd, const std::string& shown) {
  for (const char* sub : kSubdirs) {
    if (::mkdirat(fd, sub, 0700) != 0) {
      if (errno != EEXIST) return from_errno("mkdir " + join(shown, sub));
      Status s = check_real_dir_at(fd, sub, join(shown, sub), false);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

Result<Fd> open_root(const std::string& root) {
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOTDIR) return Status(Code::kNotFound, root + " is not a directory");
    return from_errno("open " + root);
  }
  return Fd(fd);
}

std::string absolute_root(const std::string& root) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(root, ec);
  if (ec) p = root;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// Copies regular file `name` from one directory to another via a temporary file + rename.
// A missing source is not an error.
Status copy_file_at(int from_dir, int to_dir, int tmp_dir, const std::string& name,
                    const std::string& shown) {
  Fd in(::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno == ENOENT) return Status::Ok();
    return from_errno("open " + shown);
  }
  std::string tmp = unique_name("tegami-copy.");
  Fd out(
      ::openat(tmp_dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (out.get() < 0) return from_errno("create temporary copy of " + shown);
  char buf[65536];
  Status s;
  while (true) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      s = from_errno("read " + shown);
      break;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out.get(), buf + off, static_cast<size_t>(n - off));
      if (w < 0) {
        if (errno == EINTR) continue;
        s = from_errno("write copy of " + shown);
        break;
      }
      off += w;
    }
    if (!s.ok()) break;
  }
  if (s.ok() && ::fsync(out.get()) != 0) s = from_errno("fsync copy of " + shown);
  if (s.ok() && ::renameat(tmp_dir, tmp.c_str(), to_dir, name.c_str()) != 0) {
    s = from_errno("rename copy of " + shown);
  }
  if (!s.ok()) ::unlinkat(tmp_dir, tmp.c_str(), 0);
  return s;
}

// The sort key of a listed folder: INBOX and its children first, then by components.
struct FolderKey {
  bool not_inbox;
  std::vector<std::string> components;
  bool operator<(const FolderKey& o) const {
    if (not_inbox != o.not_inbox) return not_inbox < o.not_inbox;
    return components < o.components;
  }
};

}  // namespace

Maildir::Maildir(Maildir&& other) noexcept
    : root_(std::move(other.root_)), fd_(std::exchange(other.fd_, -1)), options_(other.options_) {}

Maildir& Maildir::operator=(Maildir&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    root_ = std::move(other.root_);
    fd_ = std::exchange(other.fd_, -1);
    options_ = other.options_;
  }
  return *this;
}

Maildir::~Maildir() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Maildir> Maildir::create(const std::string& root_in, const MaildirOptions& options) {
  if (root_in.empty()) return Status(Code::kInvalidArgument, "empty Maildir path");
  std::string root = absolute_root(root_in);
  bool made = false;
  if (::mkdir(root.c_str(), 0700) == 0) {
    made = true;
  } else if (errno != EEXIST) {
    return from_errno("mkdir " + root);
  }
  Result<Fd> fd = open_root(root);
  if (!fd) {
    if (fd.status().code() == Code::kNotFound && !made) {
      return Status(Code::kExists, root + " exists and is not a directory");
    }
    return fd.status();
  }
  if (!made) {
    auto entries = read_dir(fd->get(), root);
    if (!entries) return entries.status();
    bool maildir_like = entries->empty();
    for (const auto& [entry, type] : *entries) {
      maildir_like = maildir_like || entry == "tmp" || entry == "new" || entry == "cur";
    }
    if (!maildir_like) {
      return Status(Code::kExists, root + " exists, is not empty and is not a Maildir");
    }
  }
  Status s = make_subdirs(fd->get(), root);
  if (!s.ok()) return s;
  s = fsync_dir(fd->get(), root);
  if (!s.ok()) return s;
  if (made) {
    std::string parent = std::filesystem::path(root).parent_path().string();
    if (parent.empty()) parent = "/";
    Fd pfd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (pfd.get() < 0) return from_errno("open " + parent);
    s = fsync_dir(pfd.get(), parent);
    if (!s.ok()) return s;
  }
  return Maildir(root, fd->release(), options);
}

Result<Maildir> Maildir::open(const std::string& root_in, const MaildirOptions& options) {
  if (root_in.empty()) return Status(Code::kInvalidArgument, "empty Maildir path");
  std::string root = absolute_root(root_in);
  Result<Fd> fd = open_root(root);
  if (!fd) return fd.status();
  for (const char* sub : kSubdirs) {
    Status s = check_real_dir_at(fd->get(), sub, join(root, sub), false);
    if (!s.ok()) {
      if (s.code() == Code::kNotFound) {
        return Status(Code::kNotFound, root + " is not a Maildir: " + sub + "/ is missing");
      }
      return s;
    }
  }
  return Maildir(root, fd->release(), options);
}

Result<std::vector<FolderInfo>> Maildir::list_folders() const {
  auto entries = read_dir(fd_, root_);
  if (!entries) return entries.status();
  std::map<FolderKey, FolderInfo> folders;
  folders[FolderKey{false, {std::string(kInbox)}}] = FolderInfo{std::string(kInbox), true, false};
  for (const auto& [entry, type] : *entries) {
    if (entry.size() < 2 || entry[0] != '.') continue;
    Result<std::string> name = mailbox_name_from_dir(entry, options_.name_encoding);
    if (!name) continue;
    if (!is_real_dir(fd_, entry, type)) continue;  // symlinks and files are not folders
    std::vector<std::string> parts = split_mailbox_name(*name);
    FolderKey key{parts[0] != kInbox, parts};
    FolderInfo& info = folders[key];
    info.name = *name;
    info.exists = true;
    for (size_t n = 1; n < parts.size(); ++n) {
      std::vector<std::string> prefix(parts.begin(), parts.begin() + static_cast<long>(n));
      std::string pname = prefix[0];
      for (size_t k = 1; k < n; ++k) pname += kHierarchySeparator + prefix[k];
      FolderKey pkey{prefix[0] != kInbox, prefix};
      auto [it, inserted] = folders.try_emplace(pkey, FolderInfo{pname, false, true});
      it->second.has_children = true;
    }
  }
  std::vector<FolderInfo> out;
  out.reserve(folders.size());
  for (auto& [key, info] : folders) out.push_back(std::move(info));
  return out;
}

Result<std::string> Maildir::folder_path(std::string_view name) const {
  Result<Fd> fd = open_folder_fd(fd_, root_, name, options_.name_encoding);
  if (!fd) return fd.status();
  Result<std::string> dir = folder_dir_name(name, options_.name_encoding);
  return join(root_, *dir);
}

Result<int> Maildir::open_folder(std::string_view name) const {
  Result<Fd> fd = open_folder_fd(fd_, root_, name, options_.name_encoding);
  if (!fd) return fd.status();
  return fd->release();
}

Status Maildir::create_folder(std::string_view name) {
  Result<std::string> dir = folder_dir_name(name, options_.name_encoding);
  if (!dir) return dir.status();
  if (dir->empty()) return Status(Code::kExists, "INBOX always exists");
  struct stat st;
  if (::fstatat(fd_, dir->c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    return Status(Code::kExists, "mailbox '" + std::string(name) + "' already exists");
  }
  Result<Fd> tmp = open_dir_at(fd_, "tmp", join(root_, "tmp"));
  if (!tmp) return tmp.status();
  std::string build = unique_name("tegami-mkdir.");
  std::string build_shown = join(join(root_, "tmp"), build);
  if (::mkdirat(tmp->get(), build.c_str(), 0700) != 0) return from_errno("mkdir " + build_shown);
  Status s;
  {
    Result<Fd> bfd = open_dir_at(tmp->get(), build, build_shown);
    if (!bfd) {
      s = bfd.status();
    } else {
      s = make_subdirs(bfd->get(), build_shown);
      if (s.ok()) {
        Fd marker(::openat(bfd->get(), "maildirfolder",
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (marker.get() < 0) s = from_errno("create " + join(build_shown, "maildirfolder"));
      }
      if (s.ok()) s = fsync_dir(bfd->get(), build_shown);
    }
  }
  if (s.ok()) {
    s = rename_noreplace(tmp->get(), build, fd_, *dir, "rename " + build_shown + " -> " + *dir);
    if (s.code() == Code::kExists) {
      s = Status(Code::kExists, "mailbox '" + std::string(name) + "' already exists");
    }
  }
  if (!s.ok()) {
    (void)remove_tree_at(tmp->get(), build, build_shown, 0);
    return s;
  }
  return fsync_dir(fd_, root_);
}

namespace {

// Moves every regular file of INBOX's new/ and cur/ into the same subdirectory of `to_fd`.
Status move_messages(int root_fd, const std::string& root, int to_fd, const std::string& to_shown) {
  for (const char* sub : {"new", "cur"}) {
    std::string from_shown = join(root, sub);
    Result<Fd> from = open_dir_at(root_fd, sub, from_shown);
    if (!from) return from.status();
    Result<Fd> to = open_dir_at(to_fd, sub, join(to_shown, sub));
    if (!to) return to.status();
    auto entries = read_dir(from->get(), from_shown);
    if (!entries) return entries.status();
    for (const auto& [entry, type] : *entries) {
      if (entry[0] == '.') continue;
      struct stat st;
      if (::fstatat(from->get(), entry.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (!S_ISREG(st.st_mode)) continue;
      Status s = rename_noreplace(from->get(), entry, to->get(), entry,
                                  "move " + join(from_shown, entry) + " -> " + to_shown);
      if (!s.ok() && s.code() != Code::kNotFound) return s;
    }
    Status s = fsync_dir(to->get(), join(to_shown, sub));
    if (!s.ok()) return s;
    s = fsync_dir(from->get(), from_shown);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status Maildir::rename_folder(std::string_view from_in, std::string_view to_in) {
  Result<std::string> from = normalize_mailbox_name(from_in);
  if (!from) return from.status();
  Result<std::string> to = normalize_mailbox_name(to_in);
  if (!to) return to.status();
  if (*to == kInbox) return Status(Code::kExists, "INBOX always exists");
  if (*to == *from) return Status(Code::kInvalidArgument, "rename to the same name");

  if (*from == kInbox) {
    Status s = create_folder(*to);
    if (!s.ok()) return s;
    Result<Fd> to_fd = open_folder_fd(fd_, root_, *to, options_.name_encoding);
    if (!to_fd) return to_fd.status();
    std::string to_shown = join(root_, *folder_dir_name(*to, options_.name_encoding));
    Result<Fd> tmp = open_dir_at(fd_, "tmp", join(root_, "tmp"));
    if (!tmp) return tmp.status();
    s = copy_file_at(fd_, to_fd->get(), tmp->get(), "dovecot-keywords",
                     join(root_, "dovecot-keywords"));
    if (!s.ok()) return s;
    s = fsync_dir(to_fd->get(), to_shown);
    if (!s.ok()) return s;
    return move_messages(fd_, root_, to_fd->get(), to_shown);
  }

  if (to->size() > from->size() && to->compare(0, from->size(), *from) == 0 &&
      (*to)[from->size()] == kHierarchySeparator) {
    return Status(Code::kInvalidArgument, "cannot rename a mailbox under itself");
  }
  Result<std::string> from_dir = folder_dir_name(*from, options_.name_encoding);
  if (!from_dir) return from_dir.status();
  Result<std::string> to_dir = folder_dir_name(*to, options_.name_encoding);
  if (!to_dir) return to_dir.status();

  auto entries = read_dir(fd_, root_);
  if (!entries) return entries.status();
  auto under = [](const std::string& entry, const std::string& dir) {
    return entry == dir || (entry.size() > dir.size() && entry.compare(0, dir.size(), dir) == 0 &&
                            entry[dir.size()] == '.');
  };
  // (old entry, new entry), parent first.
  std::vector<std::pair<std::string, std::string>> moves;
  for (const auto& [entry, type] : *entries) {
    if (under(entry, *to_dir)) {
      return Status(Code::kExists, "mailbox '" + *to + "' or a child of it already exists");
    }
    if (!under(entry, *from_dir)) continue;
    Result<std::string> name = mailbox_name_from_dir(entry, options_.name_encoding);
    if (!name) continue;  // not a folder tegami would list: leave it alone
    if (!is_real_dir(fd_, entry, type)) {
      return Status(Code::kPermission,
                    join(root_, entry) + " is a symlink or not a directory: refused");
    }
    std::string new_name = *to + name->substr(from->size());
    Result<std::string> new_dir = folder_dir_name(new_name, options_.name_encoding);
    if (!new_dir) return new_dir.status();
    moves.emplace_back(entry, *new_dir);
  }
  if (moves.empty()) return Status(Code::kNotFound, "mailbox '" + *from + "' does not exist");
  std::sort(moves.begin(), moves.end(),
            [](const auto& a, const auto& b) { return a.first.size() < b.first.size(); });
  for (const auto& [old_dir, new_dir] : moves) {
    Status s = rename_noreplace(fd_, old_dir, fd_, new_dir,
                                "rename " + join(root_, old_dir) + " -> " + new_dir);
    if (!s.ok()) {
      (void)fsync_dir(fd_, root_);
      return s;
    }
  }
  return fsync_dir(fd_, root_);
}

Status Maildir::delete_folder(std::string_view name_in) {
  Result<std::string> name = normalize_mailbox_name(name_in);
  if (!name) return name.status();
  if (*name == kInbox) return Status(Code::kInvalidArgument, "INBOX cannot be deleted");
  Result<std::string> dir = folder_dir_name(*name, options_.name_encoding);
  if (!dir) return dir.status();
  struct stat st;
  if (::fstatat(fd_, dir->c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) return from_errno("stat " + join(root_, *dir));
    auto entries = read_dir(fd_, root_);
    if (!entries) return entries.status();
    std::string prefix = *dir + ".";
    for (const auto& [entry, type] : *entries) {
      if (entry.compare(0, prefix.size(), prefix) == 0 &&
          mailbox_name_from_dir(entry, options_.name_encoding).ok()) {
        return Status(Code::kNotEmpty,
                      "mailbox '" + *name + "' exists only as the parent of other mailboxes");
      }
    }
    return Status(Code::kNotFound, "mailbox '" + *name + "' does not exist");
  }
  if (S_ISLNK(st.st_mode)) {
    return Status(Code::kPermission, join(root_, *dir) + " is a symlink: refused");
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status(Code::kPermission, join(root_, *dir) + " is not a directory");
  }
  Result<Fd> tmp = open_dir_at(fd_, "tmp", join(root_, "tmp"));
  if (!tmp) return tmp.status();
  std::string trash = unique_name("tegami-deleted.");
  Status s = rename_noreplace(fd_, *dir, tmp->get(), trash,
                              "rename " + join(root_, *dir) + " -> tmp/" + trash);
  if (!s.ok()) return s;
  s = fsync_dir(fd_, root_);
  if (!s.ok()) return s;
  // The folder is deleted now; removing its files is cleanup (see the header).
  (void)remove_tree_at(tmp->get(), trash, join(join(root_, "tmp"), trash), 0);
  return Status::Ok();
}

}  // namespace maildir
