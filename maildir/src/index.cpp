#include "maildir/index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "maildir/lock.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace maildir {

namespace {

constexpr char kMagic[8] = {'T', 'G', 'M', 'I', 'D', 'X', '1', '\n'};
constexpr std::uint32_t kByteOrderMark = 0x01020304;
constexpr std::size_t kHeaderSize = 224;
constexpr std::size_t kStampSize = 48;
constexpr std::size_t kTrailerSize = 16;
constexpr std::size_t kGuidSize = 32;

std::atomic<unsigned> g_tmp_counter{0};

template <class T>
void put(std::string& out, std::size_t off, T v) {
  std::memcpy(out.data() + off, &v, sizeof v);
}

template <class T>
T get(std::string_view in, std::size_t off) {
  T v;
  std::memcpy(&v, in.data() + off, sizeof v);
  return v;
}

void put_stamp(std::string& out, std::size_t off, const IndexStamp& s) {
  put<std::uint64_t>(out, off, s.stamp.dev);
  put<std::uint64_t>(out, off + 8, s.stamp.ino);
  put<std::int64_t>(out, off + 16, s.stamp.mtime_sec);
  put<std::int64_t>(out, off + 24, s.stamp.mtime_nsec);
  put<std::int64_t>(out, off + 32, s.stamp.size);
  put<std::uint32_t>(out, off + 40, (s.stamp.exists ? 1u : 0u) | (s.stable ? 2u : 0u));
  put<std::uint32_t>(out, off + 44, 0);
}

IndexStamp get_stamp(std::string_view in, std::size_t off) {
  IndexStamp s;
  s.stamp.dev = get<std::uint64_t>(in, off);
  s.stamp.ino = get<std::uint64_t>(in, off + 8);
  s.stamp.mtime_sec = get<std::int64_t>(in, off + 16);
  s.stamp.mtime_nsec = get<std::int64_t>(in, off + 24);
  s.stamp.size = get<std::int64_t>(in, off + 32);
  std::uint32_t bits = get<std::uint32_t>(in, off + 40);
  s.stamp.exists = (bits & 1u) != 0;
  s.stable = (bits & 2u) != 0;
  return s;
}

Status corrupt(const std::string& why) {
  return Status(Code::kCorrupt, "tegami-index: " + why);
}

}  // namespace

std::string encode_index(const IndexData& data) {
  const std::size_t rec_bytes = data.records.size() * sizeof(MessageRecord);
  const std::size_t total = kHeaderSize + rec_bytes + data.names.size() + kTrailerSize;
  std::string out(total, '\0');
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  put<std::uint32_t>(out, 8, kByteOrderMark);
  put<std::uint32_t>(out, 12, sizeof(MessageRecord));
  put<std::uint32_t>(out, 16, data.uidvalidity);
  put<std::uint32_t>(out, 20, data.uidnext);
  std::memcpy(out.data() + 24, data.guid.data(), std::min(data.guid.size(), kGuidSize));
  put_stamp(out, 56, data.new_dir);
  put_stamp(out, 56 + kStampSize, data.cur_dir);
  put_stamp(out, 56 + 2 * kStampSize, data.uidlist);
  put<std::uint64_t>(out, 200, data.records.size());
  put<std::uint64_t>(out, 208, data.names.size());
  if (rec_bytes > 0) std::memcpy(out.data() + kHeaderSize, data.records.data(), rec_bytes);
  if (!data.names.empty()) {
    std::memcpy(out.data() + kHeaderSize + rec_bytes, data.names.data(), data.names.size());
  }
  const std::size_t body = total - kTrailerSize;
  put<std::uint64_t>(out, body, XXH3_64bits(out.data(), body));
  put<std::uint64_t>(out, body + 8, total);
  return out;
}

Result<IndexData> decode_index(std::string_view in) {
  if (in.size() < kHeaderSize + kTrailerSize) return corrupt("too short");
  if (std::memcmp(in.data(), kMagic, sizeof kMagic) != 0) return corrupt("bad magic");
  if (get<std::uint32_t>(in, 8) != kByteOrderMark) return corrupt("other byte order");
  if (get<std::uint32_t>(in, 12) != sizeof(MessageRecord)) return corrupt("other record size");
  const std::size_t body = in.size() - kTrailerSize;
  if (get<std::uint64_t>(in, body + 8) != in.size()) return corrupt("length mismatch");
  const std::uint64_t count = get<std::uint64_t>(in, 200);
  const std::uint64_t pool = get<std::uint64_t>(in, 208);
  // Check the sizes before multiplying, so a forged count cannot overflow.
  if (count > in.size() / sizeof(MessageRecord) || pool > in.size() ||
      kHeaderSize + count * sizeof(MessageRecord) + pool != body) {
    return corrupt("section sizes do not add up");
  }
  if (get<std::uint64_t>(in, body) != XXH3_64bits(in.data(), body)) return corrupt("bad checksum");

  IndexData d;
  d.uidvalidity = get<std::uint32_t>(in, 16);
  d.uidnext = get<std::uint32_t>(in, 20);
  const char* g = in.data() + 24;
  d.guid.assign(g, strnlen(g, kGuidSize));
  d.new_dir = get_stamp(in, 56);
  d.cur_dir = get_stamp(in, 56 + kStampSize);
  d.uidlist = get_stamp(in, 56 + 2 * kStampSize);
  d.records.resize(count);
  if (count > 0) {
    std::memcpy(d.records.data(), in.data() + kHeaderSize, count * sizeof(MessageRecord));
  }
  d.names.assign(in.data() + kHeaderSize + count * sizeof(MessageRecord), pool);

  std::uint32_t prev_uid = 0;
  for (const MessageRecord& r : d.records) {
    if (r.uid <= prev_uid) return corrupt("UIDs not ascending");
    prev_uid = r.uid;
    if (d.uidnext != 0 && r.uid >= d.uidnext) return corrupt("UID not below UIDNEXT");
    if (static_cast<std::uint64_t>(r.name_off) + r.name_len > pool)
      return corrupt("name out of pool");
    if (r.name_len == 0 || r.base_len == 0 || r.base_len > r.name_len)
      return corrupt("bad name length");
    if (r.dir != MessageDir::kNew && r.dir != MessageDir::kCur) return corrupt("bad directory");
    std::string_view name(d.names.data() + r.name_off, r.name_len);
    if (name == "." || name == ".." || name.find('/') != std::string_view::npos ||
        name.find('\0') != std::string_view::npos) {
      return corrupt("bad file name");
    }
    if (r.base_len < r.name_len && name[r.base_len] != ':') return corrupt("bad base length");
    if (name.substr(0, r.base_len).find(':') != std::string_view::npos) {
      return corrupt("bad base length");
    }
  }
  return d;
}

Result<IndexData> read_index(const std::string& folder_dir) {
  const std::string path = folder_dir + "/" + kIndexFileName;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return from_errno("open " + path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = from_errno("fstat " + path);
    close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return corrupt("not a regular file");
  }
  std::string buf(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = from_errno("read " + path);
      close(fd);
      return s;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fd);
  buf.resize(got);
  return decode_index(buf);
}

Status write_index(const std::string& folder_dir, const IndexData& data) {
  const std::string path = folder_dir + "/" + kIndexFileName;
  const std::string tmp = path + ".tmp." + local_hostname() + "." + std::to_string(getpid()) + "." +
                          std::to_string(g_tmp_counter.fetch_add(1));
  const std::string bytes = encode_index(data);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return from_errno("create " + tmp);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = from_errno("write " + tmp);
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  if (close(fd) != 0) {
    Status s = from_errno("close " + tmp);
    unlink(tmp.c_str());
    return s;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = from_errno("rename " + tmp + " -> " + path);
    unlink(tmp.c_str());
    return s;
  }
  return Status::Ok();
}

}  // namespace maildir
