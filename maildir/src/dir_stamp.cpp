#include "maildir/dir_stamp.h"

#include <sys/stat.h>
#include <time.h>

namespace maildir {

Result<DirStamp> stamp_of(const std::string& path) {
  struct stat st;
  DirStamp s;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return s;
    return from_errno("stat " + path);
  }
  s.exists = true;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.mtime_sec = st.st_mtim.tv_sec;
  s.mtime_nsec = st.st_mtim.tv_nsec;
  s.size = st.st_size;
  return s;
}

long long wall_clock_sec() {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec;
}

}  // namespace maildir
