#include "delivery/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <random>
#include <set>
#include <unordered_set>

#include "maildir/delivery.h"
#include "maildir/env.h"

namespace tegami_delivery {

using maildir::Code;
using maildir::Result;
using maildir::Status;

// One segment file and the state of the deliveries that appended to it. Guarded by the
// journal's mutex_.
class Journal::Segment {
 public:
  std::string path;
  int fd = -1;
  std::uint64_t id = 0;
  std::uint64_t appended = 0;  // bytes written (header included)
  std::uint64_t synced = 0;    // bytes an fdatasync covered
  int syncing = 0;             // fdatasyncs running
  std::uint64_t covering = 0;  // the highest `appended` a running (or done) fdatasync covers
  int pending = 0;             // committed records whose Maildir files are not written yet
  Status error;                // an append/fdatasync failed: every later commit here fails
  std::unordered_set<std::string> folders;  // Maildir folders named by its records
  ~Segment() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

constexpr int kMaxSyncs = 2;  // fdatasyncs of one segment running at once (see commit())

Status write_all(int fd, std::string_view bytes, off_t at, const std::string& what) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), at);
    if (n < 0) {
      if (errno == EINTR) continue;
      return maildir::from_errno("write " + what);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    at += n;
  }
  return Status::Ok();
}

std::uint64_t random_id() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
         static_cast<std::uint64_t>(::time(nullptr));
}

// syncfs(2) once per file system among `paths` (a path that cannot be opened is skipped: its
// Maildir is gone). The first error wins.
Status sync_file_systems(const std::vector<std::string>& paths) {
  std::set<dev_t> done;
  Status result;
  for (const std::string& p : paths) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !done.insert(st.st_dev).second) continue;
    Status s = maildir::Env::posix().sync_filesystem(p);
    if (!s.ok() && s.code() != maildir::Code::kNotFound && result.ok()) result = s;
  }
  return result;
}

}  // namespace

Journal::Pending& Journal::Pending::operator=(Pending&& o) noexcept {
  if (this != &o) {
    reset();
    journal_ = o.journal_;
    segment_ = std::move(o.segment_);
    o.journal_ = nullptr;
  }
  return *this;
}

void Journal::Pending::reset() {
  if (journal_ != nullptr && segment_) journal_->release(*segment_);
  journal_ = nullptr;
  segment_.reset();
}

Result<std::shared_ptr<Journal::Segment>> Journal::create_segment() {
  auto seg = std::make_shared<Segment>();
  seg->id = random_id();
  seg->path = options_.dir + "/" + maildir::make_unique_name();
  seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (seg->fd < 0) return maildir::from_errno("create " + seg->path);
  // Held while this process lives: recovery in another process leaves it alone.
  (void)::flock(seg->fd, LOCK_EX | LOCK_NB);
  std::string header = encode_journal_header(seg->id);
  Status st = write_all(seg->fd, header, 0, seg->path);
  // Preallocated with real zeros (not fallocate: writing into unwritten extents changes
  // metadata too): appends then change neither the size nor the block map, so the group
  // commit's fdatasync writes only the record's blocks. Zeros read as the clean end.
  const std::string zeros(1 << 20, '\0');
  for (std::uint64_t at = header.size(); st.ok() && at < options_.preallocate_bytes;
       at += zeros.size()) {
    std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(zeros.size(), options_.preallocate_bytes - at));
    st =
        write_all(seg->fd, std::string_view(zeros).substr(0, n), static_cast<off_t>(at), seg->path);
  }
  if (st.ok() && ::fsync(seg->fd) != 0) st = maildir::from_errno("fsync " + seg->path);
  if (st.ok()) st = maildir::Env::posix().sync_dir(options_.dir);
  if (!st.ok()) {
    ::unlink(seg->path.c_str());
    return st;  // ~Segment closes it
  }
  seg->appended = seg->synced = header.size();
  return seg;
}

Result<std::unique_ptr<Journal>> Journal::open(JournalOptions options) {
  if (::mkdir(options.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return maildir::from_errno("mkdir " + options.dir);
  }
  std::unique_ptr<Journal> j(new Journal(std::move(options)));
  auto seg = j->create_segment();
  if (!seg.ok()) return seg.status();
  j->active_ = std::move(*seg);
  j->thread_ = std::thread([p = j.get()] { p->run(); });
  return j;
}

Journal::~Journal() {
  close();
}

void Journal::release(Segment& segment) {
  std::lock_guard<std::mutex> lock(mutex_);
  --segment.pending;
  cv_.notify_all();
}

Result<Journal::Pending> Journal::commit(const std::vector<JournalTarget>& targets,
                                         std::string_view message) {
  std::uint64_t payload = 4 + message.size();
  for (const JournalTarget& t : targets) payload += 8 + t.folder_dir.size() + t.name.size();
  if (payload > options_.max_payload) {
    return Status(Code::kLimit, "journal record of " + std::to_string(payload) + " bytes");
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_ || !active_) return Status(Code::kInvalidArgument, "the journal is closed");
  std::shared_ptr<Segment> seg = active_;
  std::uint64_t id = seg->id;
  lock.unlock();
  std::string record = encode_journal_record(id, targets, message);
  lock.lock();
  while (active_ && active_->id != id) {  // a checkpoint switched segments meanwhile
    seg = active_;
    id = seg->id;
    lock.unlock();
    record = encode_journal_record(id, targets, message);
    lock.lock();
  }
  if (closed_ || !active_) return Status(Code::kInvalidArgument, "the journal is closed");
  if (!seg->error.ok()) return seg->error;
  // Appended under the lock, so the segment's bytes are always one record after another.
  Status st = write_all(seg->fd, record, static_cast<off_t>(seg->appended), seg->path);
  if (!st.ok()) {
    seg->error = st;
    wake_.notify_all();  // the checkpoint thread starts a fresh segment
    return st;
  }
  seg->appended += record.size();
  const std::uint64_t end = seg->appended;
  ++seg->pending;
  ++records_;
  for (const JournalTarget& t : targets) seg->folders.insert(t.folder_dir);
  if (seg->appended >= options_.segment_bytes) wake_.notify_all();
  // Group commit: wait for an fdatasync that started after this append. A caller joins a
  // running one that covers its record; else it starts one itself unless kMaxSyncs run
  // already (then it waits for one to finish and looks again). Two at a time: a record
  // appended while one runs need not wait for that one to end before its own starts
  // (the device merges the overlapping cache flushes), but the flushes stay batched.
  while (seg->synced < end && seg->error.ok()) {
    if (seg->covering < end && seg->syncing < kMaxSyncs) {
      ++seg->syncing;
      const std::uint64_t upto = seg->appended;
      seg->covering = std::max(seg->covering, upto);
      ++syncs_;
      lock.unlock();
      int rc = ::fdatasync(seg->fd);
      Status r = rc == 0 ? Status::Ok() : maildir::from_errno("fdatasync " + seg->path);
      lock.lock();
      --seg->syncing;
      if (r.ok()) {
        seg->synced = std::max(seg->synced, upto);
      } else {
        seg->error = r;  // after a failed fdatasync nothing in this segment is trusted
        wake_.notify_all();
      }
      cv_.notify_all();
    } else {
      cv_.wait(lock);
    }
  }
  if (seg->synced < end) {
    --seg->pending;
    cv_.notify_all();
    return seg->error;
  }
  return Pending(this, seg);
}

Status Journal::renew(Segment& seg) {
  seg.id = random_id();
  std::string header = encode_journal_header(seg.id);
  Status st = write_all(seg.fd, header, 0, seg.path);
  // Not strictly needed (the first record's fdatasync flushes the header with it), but then a
  // crash right now finds a segment without records instead of the retired ones.
  if (st.ok() && ::fdatasync(seg.fd) != 0) st = maildir::from_errno("fdatasync " + seg.path);
  seg.appended = seg.synced = header.size();
  seg.syncing = 0;
  seg.covering = 0;
  seg.pending = 0;
  seg.error = Status::Ok();
  seg.folders.clear();
  return st;
}

Status Journal::checkpoint() {
  std::lock_guard<std::mutex> one(checkpoint_mutex_);
  std::unique_lock<std::mutex> lock(mutex_);
  if (!active_) return Status::Ok();
  std::shared_ptr<Segment> old = active_;
  if (old->appended == kJournalHeaderSize && old->error.ok()) return Status::Ok();
  lock.unlock();
  // The spare (a retired segment with a new id) is reused: its blocks are allocated already,
  // so appending into it changes no file size and fdatasync writes no inode.
  std::shared_ptr<Segment> next = std::move(spare_);
  if (!next) {
    auto fresh = create_segment();
    if (!fresh.ok()) return fresh.status();
    next = std::move(*fresh);
  }
  lock.lock();
  active_ = std::move(next);
  cv_.wait(lock, [&] { return old->pending == 0 && old->syncing == 0; });
  std::vector<std::string> paths(old->folders.begin(), old->folders.end());
  lock.unlock();
  if (!options_.sync_also.empty()) paths.push_back(options_.sync_also);
  paths.push_back(options_.dir);
  Status st = sync_file_systems(paths);
  if (!st.ok()) return st;  // the old segment stays: replayed at the next start
  lock.lock();
  ++checkpoints_;
  lock.unlock();
  // Everything it promised is durable in the Maildirs now: it becomes the spare (a new id
  // makes its old records stale), or goes when it failed or is too big to keep.
  if (old->error.ok() && old->appended <= options_.segment_bytes + (1u << 20) && !stopping_now() &&
      renew(*old).ok()) {
    lock.lock();
    spare_ = std::move(old);
    return Status::Ok();
  }
  if (::unlink(old->path.c_str()) != 0) return maildir::from_errno("unlink " + old->path);
  return maildir::Env::posix().sync_dir(options_.dir);
}

void Journal::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.interval, [&] {
      return stopping_ ||
             (active_ && (active_->appended >= options_.segment_bytes || !active_->error.ok()));
    });
    if (stopping_) break;
    lock.unlock();
    (void)checkpoint();
    lock.lock();
  }
}

void Journal::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  Status st = checkpoint();
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  if (spare_) {
    ::unlink(spare_->path.c_str());
    spare_.reset();
  }
  if (active_ && st.ok() && active_->appended == kJournalHeaderSize) {
    ::unlink(active_->path.c_str());
    (void)maildir::Env::posix().sync_dir(options_.dir);
  }  // else: records that could not be checkpointed stay for recovery
  active_.reset();
}

bool Journal::stopping_now() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

std::uint64_t Journal::syncs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return syncs_;
}

std::uint64_t Journal::records() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_;
}

std::uint64_t Journal::checkpoints() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return checkpoints_;
}

// ---- recovery ----

namespace {

Result<std::string> read_file(const std::string& path, std::uint64_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return maildir::from_errno("open " + path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = maildir::from_errno("read " + path);
      ::close(fd);
      return st;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > limit) break;  // more than we will ever compare
  }
  ::close(fd);
  return out;
}

// Writes `bytes` to a new file in <folder>/tmp/ and fsyncs it; the tmp path.
Result<std::string> write_tmp(const std::string& folder, std::string_view bytes) {
  const std::string tmp = folder + "/tmp/" + maildir::make_unique_name();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return maildir::from_errno("create " + tmp);
  Status st = write_all(fd, bytes, 0, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = maildir::from_errno("fsync " + tmp);
  ::close(fd);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return tmp;
}

struct Replayer {
  JournalRecovery& report;
  std::map<std::string, std::map<std::string, std::string>> cur_by_folder;  // base → entry
  std::set<std::string> dirs_to_sync;

  // The cur/ entry of `name` ("<name>:2,<flags>" or "<name>"), "" if none.
  std::string in_cur(const std::string& folder, const std::string& name) {
    auto it = cur_by_folder.find(folder);
    if (it == cur_by_folder.end()) {
      std::map<std::string, std::string> entries;
      auto names = maildir::Env::posix().list_dir(folder + "/cur");
      if (names.ok()) {
        for (const std::string& n : *names) entries.emplace(n.substr(0, n.find(':')), n);
      }
      it = cur_by_folder.emplace(folder, std::move(entries)).first;
    }
    auto e = it->second.find(name);
    return e == it->second.end() ? "" : e->second;
  }

  Status restore(const JournalTarget& t, const std::string& message) {
    struct stat st {};
    if (::stat((t.folder_dir + "/new").c_str(), &st) != 0 ||
        ::stat((t.folder_dir + "/tmp").c_str(), &st) != 0) {
      ++report.gone;
      report.notes.push_back("journal: " + t.folder_dir + " is gone; " + t.name + " skipped");
      return Status::Ok();
    }
    std::string found = t.folder_dir + "/new/" + t.name;
    std::string dir = t.folder_dir + "/new";
    if (::stat(found.c_str(), &st) != 0) {
      std::string c = in_cur(t.folder_dir, t.name);
      if (c.empty()) {
        auto tmp = write_tmp(t.folder_dir, message);
        if (!tmp.ok()) return tmp.status();
        Status r = maildir::Env::posix().rename(*tmp, found, maildir::RenameMode::kNoReplace);
        if (!r.ok()) {
          ::unlink(tmp->c_str());
          return r;
        }
        ++report.redelivered;
        dirs_to_sync.insert(dir);
        return Status::Ok();
      }
      found = t.folder_dir + "/cur/" + c;
      dir = t.folder_dir + "/cur";
    }
    auto have = read_file(found, message.size());
    if (!have.ok()) return have.status();
    if (*have == message) {
      ++report.intact;
      return Status::Ok();
    }
    auto tmp = write_tmp(t.folder_dir, message);
    if (!tmp.ok()) return tmp.status();
    if (::rename(tmp->c_str(), found.c_str()) != 0) {
      Status r = maildir::from_errno("rename " + *tmp);
      ::unlink(tmp->c_str());
      return r;
    }
    ++report.rewritten;
    dirs_to_sync.insert(dir);
    return Status::Ok();
  }
};

}  // namespace

JournalRecovery recover_journal(const std::string& dir, std::uint64_t max_payload) {
  JournalRecovery report;
  auto listed = maildir::Env::posix().list_dir(dir);
  if (!listed.ok()) {
    if (listed.status().code() != maildir::Code::kNotFound)
      report.notes.push_back("journal: cannot read " + dir);
    return report;
  }
  std::vector<std::string> names = std::move(*listed);
  std::sort(names.begin(), names.end());
  bool removed = false;
  for (const std::string& n : names) {
    const std::string path = dir + "/" + n;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      continue;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // a running tegamid's active segment
      ++report.skipped_live;
      ::close(fd);
      continue;
    }
    auto bytes = read_file(path, static_cast<std::uint64_t>(st.st_size));
    if (!bytes.ok()) {
      ++report.kept;
      report.notes.push_back("journal: " + bytes.status().to_string());
      ::close(fd);
      continue;
    }
    std::string why;
    std::vector<JournalRecord> records = decode_journal_segment(*bytes, max_payload, why);
    if (!why.empty()) {
      report.notes.push_back("journal: " + path + ": " + std::to_string(records.size()) +
                             " record(s), then " + why + " (never acknowledged: ignored)");
    }
    Replayer r{report, {}, {}};
    Status failed;
    for (const JournalRecord& rec : records) {
      ++report.records;
      for (const JournalTarget& t : rec.targets) {
        Status s = r.restore(t, rec.message);
        if (!s.ok() && failed.ok()) failed = s;
      }
    }
    for (const std::string& sd : r.dirs_to_sync) {
      Status s = maildir::Env::posix().sync_dir(sd);
      if (!s.ok() && failed.ok()) failed = s;
    }
    if (!failed.ok()) {
      ++report.kept;
      report.notes.push_back("journal: " + path + " kept: " + failed.to_string());
      ::close(fd);
      continue;
    }
    ::unlink(path.c_str());
    ::close(fd);
    removed = true;
    ++report.segments;
  }
  if (removed) (void)maildir::Env::posix().sync_dir(dir);
  return report;
}

}  // namespace tegami_delivery
