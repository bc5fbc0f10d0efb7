#include "maildir/delivery.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <unordered_map>
#include <vector>

#include "maildir/lock.h"

namespace maildir {

namespace {

std::atomic<unsigned long> g_delivery_counter{0};

// Output is written to the file in chunks of about this size.
constexpr size_t kFlushSize = 64 * 1024;
constexpr int kMaxNameAttempts = 5;

constexpr time_t kQuotaWarnInterval = 24 * 60 * 60;

// Delivers the quota warning when due (see QuotaWarning in delivery.h). True when it did.
bool maybe_warn(Env& e, const Quota& quota, const QuotaWarning& warning) {
  if (warning.percent == 0) return false;
  Result<QuotaUsage> u = quota.usage();
  if (!u.ok()) return false;
  const QuotaLimit& l = u->limit;
  auto percent_of = [](std::int64_t used, std::uint64_t limit) -> std::uint64_t {
    if (limit == 0 || used <= 0) return 0;
    return static_cast<std::uint64_t>(used) * 100 / limit;
  };
  if (std::max(percent_of(u->bytes, l.bytes), percent_of(u->count, l.count)) < warning.percent) {
    return false;
  }
  const std::string& root = quota.root_dir();
  const std::string stamp = root + "/quotawarn";
  Result<struct stat> st = e.stat(stamp);
  if (st.ok()) {
    if (time(nullptr) - st->st_mtime < kQuotaWarnInterval) return false;
    // Claim the renewal: of several racers only one renames the old stamp away.
    const std::string old = root + "/tmp/" + make_unique_name() + ".quotawarn";
    if (!e.rename(stamp, old).ok()) return false;
    (void)e.unlink(old);
  } else if (st.status().code() != Code::kNotFound) {
    return false;
  }
  Result<int> fd = e.open(stamp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (!fd.ok()) return false;  // someone else renewed it first
  (void)e.close(*fd);
  DeliveryOptions o;
  o.max_size = 0;
  o.env = &e;
  return deliver_bytes(root, warning.message, o).ok();
}

// Copies the file `from` byte for byte to a new file in `<folder>/tmp/` and fsyncs it.
// Returns the tmp path; on error nothing is left behind.
Result<std::string> copy_to_tmp(Env& e, const std::string& from, const std::string& folder) {
  Result<int> in = e.open(from, O_RDONLY, 0);
  if (!in.ok()) return in.status();
  const std::string tmp = folder + "/tmp/" + make_unique_name();
  Result<int> out = e.open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (!out.ok()) {
    (void)e.close(*in);
    return out.status();
  }
  std::vector<char> buf(kFlushSize);
  Status st;
  for (;;) {
    Result<size_t> n = e.read(*in, buf.data(), buf.size());
    if (!n.ok()) st = n.status();
    if (!n.ok() || *n == 0) break;
    st = e.write(*out, buf.data(), *n);
    if (!st.ok()) break;
  }
  (void)e.close(*in);
  if (st.ok()) st = e.fsync(*out);
  Status closed = e.close(*out);
  if (st.ok()) st = closed;
  if (!st.ok()) {
    (void)e.unlink(tmp);
    return st;
  }
  return tmp;
}

// Runs `op` (which puts `d.path` in place) and charges the quota with it; `placed` tells
// whether `op` worked. When it did but the quota line could not be appended, `d.path` is
// removed again and the append's error returned.
Status place_charged(Env& e, const LinkTarget& t, const Delivered& d,
                     const std::function<Status()>& op, bool& placed) {
  auto tracked = [&]() -> Status {
    Status r = op();
    placed = r.ok();
    return r;
  };
  Status st = t.quota != nullptr ? t.quota->update(static_cast<std::int64_t>(d.size), 1, tracked)
                                 : tracked();
  if (!st.ok() && placed) (void)e.unlink(d.path);
  return st;
}

// Puts `d.path` in place as a hard link to `source`, else as a durable copy of it, charged to
// the target's quota. Not yet durable: the caller fsyncs new/.
Status place_link_or_copy(Env& e, const std::string& source, const LinkTarget& t,
                          const Delivered& d) {
  bool placed = false;
  Status st = place_charged(
      e, t, d, [&]() { return e.link(source, d.path); }, placed);
  if (st.ok() || placed) return st;  // linked (or linked and the quota line failed)
  Result<std::string> tmp = copy_to_tmp(e, source, t.folder_dir);
  if (!tmp.ok()) return tmp.status();
  st = place_charged(
      e, t, d, [&]() { return e.rename(*tmp, d.path, RenameMode::kNoReplace); }, placed);
  if (!st.ok() && !placed) (void)e.unlink(*tmp);
  return st;
}

}  // namespace

std::string make_unique_name() {
  struct timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld.M%ldP%ldQ%lu.", static_cast<long long>(now.tv_sec),
                static_cast<long>(now.tv_nsec / 1000), static_cast<long>(getpid()),
                g_delivery_counter.fetch_add(1, std::memory_order_relaxed) + 1);
  return buf + local_hostname();
}

void LineEndConverter::emit(std::string& out, std::string_view bytes) {
  out.append(bytes);
  size_ += bytes.size();
  vsize_ += bytes.size() + static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
}

void LineEndConverter::feed(std::string_view in, std::string& out) {
  if (in.empty()) return;
  size_t i = 0;
  if (pending_cr_) {
    pending_cr_ = false;
    if (in[0] == '\n') {
      emit(out, "\n");
      i = 1;
    } else {
      emit(out, "\r");
    }
  }
  while (i < in.size()) {
    size_t cr = in.find('\r', i);
    if (cr == std::string_view::npos) {
      emit(out, in.substr(i));
      return;
    }
    emit(out, in.substr(i, cr - i));
    if (cr + 1 == in.size()) {
      pending_cr_ = true;  // CRLF may straddle the next call
      return;
    }
    if (in[cr + 1] == '\n') {
      emit(out, "\n");
      i = cr + 2;
    } else {
      emit(out, "\r");  // a bare CR is kept as it is
      i = cr + 1;
    }
  }
}

void LineEndConverter::finish(std::string& out) {
  if (pending_cr_) {
    pending_cr_ = false;
    emit(out, "\r");
  }
}

Result<MessageWriter> MessageWriter::open(const std::string& folder_dir, DeliveryOptions options) {
  if (options.info && (options.info->find('/') != std::string::npos ||
                       options.info->find('\0') != std::string::npos)) {
    return Status(Code::kInvalidArgument, "maildir info may not contain '/' or NUL");
  }
  if (options.quota != nullptr) {
    // Already at or over quota: refuse before a single byte is written.
    Status st = options.quota->check(0, options.policy);
    if (!st.ok()) return st;
  }
  MessageWriter w;
  w.folder_ = folder_dir;
  w.options_ = std::move(options);
  Env& e = w.env();
  for (int attempt = 0;; ++attempt) {
    w.unique_ = make_unique_name();
    w.tmp_path_ = folder_dir + "/tmp/" + w.unique_;
    Result<int> fd = e.open(w.tmp_path_, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd.ok()) {
      w.fd_ = *fd;
      break;
    }
    if (fd.status().code() != Code::kExists || attempt + 1 == kMaxNameAttempts) {
      return fd.status();
    }
  }
  w.done_ = false;
  return w;
}

MessageWriter::MessageWriter(MessageWriter&& other) noexcept {
  *this = std::move(other);
}

MessageWriter& MessageWriter::operator=(MessageWriter&& other) noexcept {
  if (this != &other) {
    abort();
    folder_ = std::move(other.folder_);
    unique_ = std::move(other.unique_);
    tmp_path_ = std::move(other.tmp_path_);
    options_ = std::move(other.options_);
    conv_ = other.conv_;
    buffer_ = std::move(other.buffer_);
    fd_ = other.fd_;
    done_ = other.done_;
    error_ = std::move(other.error_);
    other.fd_ = -1;
    other.done_ = true;
  }
  return *this;
}

MessageWriter::~MessageWriter() {
  abort();
}

Status MessageWriter::fail(Status status) {
  Env& e = env();
  if (fd_ >= 0) {
    (void)e.close(fd_);
    fd_ = -1;
  }
  if (!done_) (void)e.unlink(tmp_path_);
  done_ = true;
  error_ = status;
  return status;
}

void MessageWriter::abort() {
  if (done_) return;
  (void)fail(Status(Code::kInvalidArgument, "message writer was aborted"));
}

Status MessageWriter::flush() {
  if (buffer_.empty()) return Status::Ok();
  Status st = env().write(fd_, buffer_.data(), buffer_.size());
  buffer_.clear();
  return st;
}

Status MessageWriter::write(std::string_view bytes) {
  if (done_) {
    return error_.ok() ? Status(Code::kInvalidArgument, "message writer is finished") : error_;
  }
  conv_.feed(bytes, buffer_);
  if (options_.max_size != 0 && conv_.vsize() > options_.max_size) {
    return fail(Status(Code::kLimit, "message exceeds the maximum size of " +
                                         std::to_string(options_.max_size) + " bytes"));
  }
  if (buffer_.size() >= kFlushSize) {
    Status st = flush();
    if (!st.ok()) return fail(st);
  }
  return Status::Ok();
}

Result<Delivered> MessageWriter::commit() {
  if (done_) {
    return error_.ok() ? Status(Code::kInvalidArgument, "message writer is finished") : error_;
  }
  Env& e = env();
  conv_.finish(buffer_);
  if (options_.max_size != 0 && conv_.vsize() > options_.max_size) {
    return fail(Status(Code::kLimit, "message exceeds the maximum size of " +
                                         std::to_string(options_.max_size) + " bytes"));
  }
  Status st = flush();
  if (!st.ok()) return fail(st);
  const std::uint64_t size = conv_.size();
  const std::uint64_t vsize = conv_.vsize();
  if (options_.quota != nullptr) {
    st = options_.quota->check(size, options_.policy);
    if (!st.ok()) return fail(st);
  }
  // Without an internal date the mtime of the last write already is the delivery time.
  if (options_.internal_date) st = e.set_mtime(fd_, *options_.internal_date);
  if (st.ok()) st = e.fsync(fd_);
  if (!st.ok()) return fail(st);
  st = e.close(fd_);
  fd_ = -1;
  if (!st.ok()) return fail(st);

  Delivered d;
  d.name = unique_ + size_suffix(size, vsize);
  if (options_.info) d.name += ":2," + *options_.info;
  const std::string dir = folder_ + (options_.info ? "/cur" : "/new");
  d.path = dir + "/" + d.name;
  d.size = size;
  d.vsize = vsize;

  bool renamed = false;
  auto move_in = [&]() -> Status {
    Status r = e.rename(tmp_path_, d.path, RenameMode::kNoReplace);
    renamed = r.ok();
    return r;
  };
  st = options_.quota != nullptr
           ? options_.quota->update(static_cast<std::int64_t>(size), 1, move_in)
           : move_in();
  if (!st.ok()) {
    // The rename worked but the quota line could not be appended: take the message back.
    if (renamed) (void)e.unlink(d.path);
    return fail(st);
  }
  st = e.sync_dir(dir);
  if (!st.ok()) {
    auto take_back = [&]() { return e.unlink(d.path); };
    if (options_.quota != nullptr) {
      (void)options_.quota->update(-static_cast<std::int64_t>(size), -1, take_back);
    } else {
      (void)take_back();
    }
    done_ = true;  // the tmp file is already gone (renamed)
    error_ = st;
    return st;
  }
  done_ = true;
  if (options_.quota != nullptr && options_.quota_warning) {
    d.quota_warned = maybe_warn(e, *options_.quota, *options_.quota_warning);
  }
  return d;
}

Result<Delivered> deliver(const std::string& folder_dir, const MessageReader& reader,
                          const DeliveryOptions& options) {
  Result<MessageWriter> w = MessageWriter::open(folder_dir, options);
  if (!w.ok()) return w.status();
  std::vector<char> buf(kFlushSize);
  for (;;) {
    Result<std::size_t> n = reader(buf.data(), buf.size());
    if (!n.ok()) return n.status();  // the writer's destructor removes the tmp file
    if (*n == 0) break;
    Status st = w->write(std::string_view(buf.data(), *n));
    if (!st.ok()) return st;
  }
  return w->commit();
}

Result<Delivered> deliver_bytes(const std::string& folder_dir, std::string_view message,
                                const DeliveryOptions& options) {
  Result<MessageWriter> w = MessageWriter::open(folder_dir, options);
  if (!w.ok()) return w.status();
  Status st = w->write(message);
  if (!st.ok()) return st;
  return w->commit();
}

}  // namespace maildir

namespace maildir {

std::string size_suffix(std::uint64_t size, std::uint64_t vsize) {
  return ",S=" + std::to_string(size) + ",W=" + std::to_string(vsize);
}

std::vector<Result<Delivered>> deliver_links(const Delivered& source,
                                             const std::vector<LinkTarget>& targets, Env* env) {
  Env& e = env != nullptr ? *env : Env::posix();
  const std::string suffix = size_suffix(source.size, source.vsize);
  std::vector<Result<Delivered>> out;
  out.reserve(targets.size());
  // 1. Link (or copy) into every new/ and charge each quota.
  for (const LinkTarget& t : targets) {
    if (t.quota != nullptr) {
      Status st = t.quota->check(source.size, t.policy);
      if (!st.ok()) {
        out.emplace_back(st);
        continue;
      }
    }
    Delivered d;
    d.name = make_unique_name() + suffix;
    d.path = t.folder_dir + "/new/" + d.name;
    d.size = source.size;
    d.vsize = source.vsize;
    Status st = place_link_or_copy(e, source.path, t, d);
    if (st.ok()) {
      out.emplace_back(std::move(d));
    } else {
      out.emplace_back(st);
    }
  }
  // 2. One fsync per distinct new/; a failure takes that directory's entries back. A large
  //    fan-out (a mailing list) makes them durable with one syncfs per file system instead:
  //    each directory fsync costs a disk cache flush (~1 ms), a syncfs one for all of them.
  std::unordered_map<std::string, Status> synced;
  std::unordered_map<std::string, bool> distinct;
  for (size_t i = 0; i < targets.size(); ++i)
    if (out[i].ok()) distinct[targets[i].folder_dir + "/new"] = true;
  if (distinct.size() > kLinkFsyncBatch) {
    std::unordered_map<dev_t, Status> by_device;
    for (const auto& [dir, unused] : distinct) {
      (void)unused;
      auto st = e.stat(dir);
      if (!st.ok()) {
        synced.emplace(dir, st.status());
        continue;
      }
      auto it = by_device.find(st->st_dev);
      if (it == by_device.end()) it = by_device.emplace(st->st_dev, e.sync_filesystem(dir)).first;
      synced.emplace(dir, it->second);
    }
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!out[i].ok()) continue;
    const std::string dir = targets[i].folder_dir + "/new";
    auto it = synced.find(dir);
    if (it == synced.end()) it = synced.emplace(dir, e.sync_dir(dir)).first;
    if (it->second.ok()) continue;
    const std::string path = out[i]->path;
    auto take_back = [&]() { return e.unlink(path); };
    if (targets[i].quota != nullptr) {
      (void)targets[i].quota->update(-static_cast<std::int64_t>(source.size), -1, take_back);
    } else {
      (void)take_back();
    }
    out[i] = it->second;
  }
  // 3. Quota warnings.
  for (size_t i = 0; i < targets.size(); ++i) {
    const LinkTarget& t = targets[i];
    if (out[i].ok() && t.quota != nullptr && t.quota_warning) {
      out[i]->quota_warned = maybe_warn(e, *t.quota, *t.quota_warning);
    }
  }
  return out;
}

std::vector<Result<Delivered>> place_unsynced(std::string_view disk, std::uint64_t vsize,
                                              const std::vector<PreparedTarget>& targets,
                                              Env* env) {
  Env& e = env != nullptr ? *env : Env::posix();
  std::vector<Result<Delivered>> out;
  out.reserve(targets.size());
  std::optional<std::string> source;  // path of the first file placed
  for (const PreparedTarget& t : targets) {
    Delivered d;
    d.name = t.name;
    d.path = t.folder_dir + "/new/" + t.name;
    d.size = disk.size();
    d.vsize = vsize;
    LinkTarget lt;
    lt.folder_dir = t.folder_dir;
    lt.quota = t.quota;
    Status st;
    if (source) {
      st = place_link_or_copy(e, *source, lt, d);
    } else {
      const std::string tmp = t.folder_dir + "/tmp/" + make_unique_name();
      Result<int> fd = e.open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
      st = fd.status();
      if (fd.ok()) {
        st = e.write(*fd, disk.data(), disk.size());
        Status closed = e.close(*fd);
        if (st.ok()) st = closed;
        bool placed = false;
        if (st.ok()) {
          st = place_charged(
              e, lt, d, [&]() { return e.rename(tmp, d.path, RenameMode::kNoReplace); }, placed);
        }
        if (!placed) (void)e.unlink(tmp);
      }
      if (st.ok()) source = d.path;
    }
    if (st.ok()) {
      out.emplace_back(std::move(d));
    } else {
      out.emplace_back(st);
    }
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const PreparedTarget& t = targets[i];
    if (out[i].ok() && t.quota != nullptr && t.quota_warning) {
      out[i]->quota_warned = maybe_warn(e, *t.quota, *t.quota_warning);
    }
  }
  return out;
}

}  // namespace maildir
