// Internal to the maildir library (not a public header): replace a small state file atomically
// and durably, as dovecot-uidlist and dovecot-keywords require.
//
// replace_file() writes `content` to `<dir>/<tmp_name>` (created or truncated, never through a
// symlink), fsyncs it, renames it over `<dir>/<name>` and fsyncs the directory. On success the
// old file is replaced completely; on any error the old file is untouched, the temporary file
// is removed and the Status says which step failed. REQUIRES: the caller holds the lock that
// serialises writers of `name` (tmp_name is fixed, so two unlocked writers would collide).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "maildir/status.h"

namespace maildir::internal {

// `min_mtime` (seconds, 0 = none): if the written file's mtime is below it, set it to
// min_mtime so readers that compare whole-second mtimes (Dovecot) see a change.
// `out` receives the fstat of the new file.
Status replace_file(const std::string& dir, std::string_view name, std::string_view tmp_name,
                    std::string_view content, std::int64_t min_mtime, struct stat* out);

// Reads up to `size` bytes of an open state file from its current offset (fewer at end of
// file), retrying on EINTR. The caller keeps and closes `fd`; `path` names it in errors.
Result<std::string> read_state_file(int fd, std::size_t size, const std::string& path);

// fsync of a directory (its entries become durable).
Status sync_dir(const std::string& dir);

// Nanosecond mtime of a stat.
inline std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace maildir::internal
