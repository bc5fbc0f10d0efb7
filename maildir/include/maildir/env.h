// The operating-system calls the durable paths of the storage library go through (delivery,
// maildirsize), after LevelDB's Env: one small interface, a Posix implementation used by
// default, and tests that subclass it to make any single step fail.
//
// Every method returns an error Status built with from_errno() (so kNoSpace for ENOSPC,
// kNotFound for ENOENT, ...) and never throws. Paths are passed as given; nothing is resolved.
// Thread safety: Env::posix() is stateless and may be used from any thread at once. A test
// Env must be thread-safe itself if it is shared between threads.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <cstddef>
#include <string>
#include <vector>

#include "maildir/status.h"

namespace maildir {

enum class RenameMode {
  kReplace,    // rename(2): an existing target is replaced atomically
  kNoReplace,  // fails with kExists if the target exists (renameat2 RENAME_NOREPLACE where the
               // file system has it; elsewhere link(2)+unlink(2), then plain rename(2))
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide Posix implementation. Never null; lives for the whole program.
  static Env& posix();

  // open(2) with O_CLOEXEC added. Returns the descriptor; the caller owns it and closes it
  // with close().
  virtual Result<int> open(const std::string& path, int flags, mode_t mode);
  // Writes all `n` bytes (retries short writes and EINTR).
  virtual Status write(int fd, const void* data, size_t n);
  // Reads up to `n` bytes; returns the count, 0 at end of file (retries EINTR).
  virtual Result<size_t> read(int fd, void* data, size_t n);
  virtual Status fsync(int fd);
  // futimens(2): sets both atime and mtime of the open file.
  virtual Status set_mtime(int fd, const struct timespec& mtime);
  // close(2). The descriptor is gone even when an error is returned.
  virtual Status close(int fd);
  virtual Status rename(const std::string& from, const std::string& to,
                        RenameMode mode = RenameMode::kReplace);
  virtual Status link(const std::string& from, const std::string& to);
  virtual Status unlink(const std::string& path);
  // Opens the directory, fsyncs it and closes it: makes renames/links/unlinks in it durable.
  virtual Status sync_dir(const std::string& dir);
  // syncfs(2) of the file system that holds `path`: everything written to it so far (data,
  // inodes, directory entries) is durable afterwards — one journal commit and one cache flush
  // instead of one per directory (deliver_links uses it for large fan-outs).
  virtual Status sync_filesystem(const std::string& path);
  // stat(2) (follows symlinks) or lstat(2).
  virtual Result<struct stat> stat(const std::string& path, bool follow_symlinks = true);
  // The names in a directory, without "." and "..", in no particular order.
  virtual Result<std::vector<std::string>> list_dir(const std::string& dir);
};

}  // namespace maildir
