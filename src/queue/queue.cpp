#include "queue/queue.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "log/log.h"

namespace tegami_queue {

using maildir::Code;
using maildir::Env;
using maildir::Result;
using maildir::Status;

namespace {

constexpr std::size_t kMaxIdLength = 200;
constexpr std::size_t kCopyBuffer = 64 * 1024;
// Messages up to this size are written together with the envelope in one write(2).
constexpr std::size_t kOneWrite = 256 * 1024;
// An envelope block larger than this is corrupt (100,000 recipients fit).
constexpr std::size_t kMaxHead = 64 * 1024 * 1024;
// State lines beyond this many per recipient (plus a constant) make record() rewrite the file.
constexpr std::size_t kCompactLinesPerRecipient = 4;
constexpr std::size_t kCompactSlack = 16;
constexpr std::string_view kMessageKey = "message ";
// Spare files kept in free/ for reuse (Queue::remove / enqueue), and the largest file kept:
// free/ holds at most kMaxFree * kMaxSpareBytes of disk.
constexpr std::size_t kMaxFree = 256;
constexpr off_t kMaxSpareBytes = 256 * 1024;

Status make_dir(Env& env, const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) {
    Result<struct stat> st = env.stat(dir);
    if (!st.ok()) return st.status();
    if (!S_ISDIR(st->st_mode)) return Status(Code::kIo, dir + " is not a directory");
    return Status::Ok();
  }
  return maildir::from_errno("mkdir " + dir);
}

Status seek(int fd, std::uint64_t offset, const std::string& path) {
  if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0)
    return maildir::from_errno("lseek " + path);
  return Status::Ok();
}

// Appends up to `n` bytes of `fd` (from its current offset) to `out`; stops at the end of
// the file. Returns the count read.
Result<std::uint64_t> read_into(Env& env, int fd, std::uint64_t n, std::string& out) {
  std::uint64_t got = 0;
  std::array<char, kCopyBuffer> buf;
  while (got < n) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), n - got));
    Result<std::size_t> r = env.read(fd, buf.data(), want);
    if (!r.ok()) return r.status();
    if (*r == 0) break;
    out.append(buf.data(), *r);
    got += *r;
  }
  return got;
}

// The end of the version 2 envelope block inside `buf` (just after "end\n"), npos when `buf`
// does not hold all of it yet.
std::size_t head_end(std::string_view buf) {
  std::size_t p = buf.find("\nend\n");
  return p == std::string_view::npos ? p : p + 5;
}

// Parses "message <n>\n" at the start of `s`: its length and n; nullopt when incomplete,
// 0 length when malformed.
struct MessageLine {
  std::size_t length = 0;  // 0: malformed
  std::uint64_t size = 0;
};
std::optional<MessageLine> message_line(std::string_view s) {
  std::size_t nl = s.find('\n');
  if (nl == std::string_view::npos) {
    if (s.size() > kMessageKey.size() + 24) return MessageLine{};
    return std::nullopt;
  }
  std::string_view line = s.substr(0, nl);
  if (line.substr(0, kMessageKey.size()) != kMessageKey) return MessageLine{};
  std::string_view num = line.substr(kMessageKey.size());
  MessageLine m;
  if (num.empty() || (num.size() > 1 && num[0] == '0')) return MessageLine{};
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), m.size);
  if (ec != std::errc() || p != num.data() + num.size()) return MessageLine{};
  m.length = nl + 1;
  return m;
}

}  // namespace

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength || id[0] == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f && c != '/'; });
}

Queue::Queue(std::string dir, QueueOptions options)
    : dir_(std::move(dir)),
      options_(options),
      env_sync_(std::make_unique<GroupSync>(dir_ + "/env", env())) {}

Result<std::unique_ptr<Queue>> Queue::open(const std::string& dir, QueueOptions options) {
  std::unique_ptr<Queue> q(new Queue(dir, options));
  for (const std::string& d : {dir, dir + "/tmp", dir + "/env", dir + "/free"}) {
    if (Status s = make_dir(q->env(), d); !s.ok()) return s;
  }
  q->recycle_ = true;
  q->legacy_ = q->env().stat(dir + "/msg").ok();
  if (Status s = q->clean_leftovers(); !s.ok()) return s;
  if (q->legacy_) {
    if (Status s = q->migrate_version1(); !s.ok()) return s;
  }
  return q;
}

Result<std::unique_ptr<Queue>> Queue::attach(const std::string& dir, QueueOptions options) {
  std::unique_ptr<Queue> q(new Queue(dir, options));
  Result<struct stat> st = q->env().stat(dir + "/env");
  if (!st.ok()) return st.status();
  if (!S_ISDIR(st->st_mode)) return Status(Code::kNotFound, dir + "/env is not a directory");
  q->legacy_ = q->env().stat(dir + "/msg").ok();
  q->recycle_ = q->env().stat(dir + "/free").ok();
  return q;
}

bool Queue::exists(const QueueId& id) const {
  if (!valid_id(id)) return false;
  return env().stat(dir_ + "/env/" + id, false).ok();
}

Status Queue::clean_leftovers() {
  Env& e = env();
  Result<std::vector<std::string>> tmp = e.list_dir(dir_ + "/tmp");
  if (!tmp.ok()) return tmp.status();
  // An unfinished enqueue's file is as good as a spare one.
  for (const std::string& name : *tmp) {
    if (!e.rename(dir_ + "/tmp/" + name, dir_ + "/free/" + name).ok())
      (void)e.unlink(dir_ + "/tmp/" + name);
  }
  Result<std::vector<std::string>> spares = e.list_dir(dir_ + "/free");
  if (!spares.ok()) return spares.status();
  for (const std::string& name : *spares) give_free(dir_ + "/free/" + name);
  if (!legacy_) return Status::Ok();
  Result<std::vector<std::string>> envs = e.list_dir(dir_ + "/env");
  if (!envs.ok()) return envs.status();
  std::set<std::string> live(envs->begin(), envs->end());
  Result<std::vector<std::string>> msgs = e.list_dir(dir_ + "/msg");
  if (!msgs.ok()) return msgs.status();
  bool removed = false;
  for (const std::string& name : *msgs) {
    if (live.count(name) != 0) continue;
    // msg/ without env/ (version 1): an enqueue that never finished (the client got no 250),
    // a remove() cut short after its first unlink, or a migration done but for this unlink.
    (void)e.unlink(dir_ + "/msg/" + name);
    removed = true;
  }
  if (removed) return e.sync_dir(dir_ + "/msg");
  return Status::Ok();
}

Status Queue::migrate_version1() {
  Env& e = env();
  Result<std::vector<QueueId>> ids = list();
  if (!ids.ok()) return ids.status();
  for (const QueueId& id : *ids) {
    Result<Entry> entry = load(id);
    if (!entry.ok()) {
      // Unreadable entries stay as they are, for the admin (docs/formats.md).
      logging::error("queue: " + id + ": not migrated: " + entry.status().to_string());
      continue;
    }
    if (entry->version != 1) continue;
    // A failure leaves the entry as it was (version 1, still read in place); tegamid starts.
    if (Status s = rewrite(*entry); !s.ok())
      logging::error("queue: " + id + ": not migrated: " + s.to_string());
  }
  Result<std::vector<std::string>> left = e.list_dir(dir_ + "/msg");
  if (left.ok() && left->empty() && ::rmdir((dir_ + "/msg").c_str()) == 0) {
    legacy_ = false;
    (void)e.sync_dir(dir_);
  }
  return Status::Ok();
}

std::string Queue::take_free() {
  std::lock_guard<std::mutex> lock(free_mutex_);
  if (free_.empty()) return {};
  std::string p = std::move(free_.back());
  free_.pop_back();
  return p;
}

void Queue::give_free(std::string path) {
  {
    std::lock_guard<std::mutex> lock(free_mutex_);
    if (free_.size() < kMaxFree) {
      free_.push_back(std::move(path));
      return;
    }
  }
  (void)env().unlink(path);
}

Result<QueueId> Queue::enqueue(const Envelope& envelope, const std::vector<Recipient>& recipients,
                               std::string_view message) {
  return enqueue(envelope, recipients, std::vector<std::string_view>{message});
}

Result<QueueId> Queue::enqueue(const Envelope& envelope, const std::vector<Recipient>& recipients,
                               const std::vector<std::string_view>& pieces) {
  Result<std::string> head = format_head(envelope, recipients);
  if (!head.ok()) return head.status();
  std::uint64_t size = 0;
  for (std::string_view p : pieces) size += p.size();
  std::string text = std::move(*head);
  text += kMessageKey;
  text += std::to_string(size);
  text += '\n';
  const std::string states = format_current_states(recipients);
  const bool one_write = size <= kOneWrite;
  if (one_write) {
    text.reserve(text.size() + size + states.size());
    for (std::string_view p : pieces) text.append(p);
    text += states;
  }
  Env& e = env();
  const QueueId id = maildir::make_unique_name();
  const std::string path = dir_ + "/env/" + id;
  // A spare file of a removed entry if there is one (no inode allocated), else a new one in
  // tmp/. Either way nothing reads it before the rename into env/.
  std::string tmp = take_free();
  Result<int> fd = Status(Code::kNotFound, "no spare file");
  if (!tmp.empty()) {
    fd = e.open(tmp, O_WRONLY | O_TRUNC | O_NOFOLLOW, 0);
    if (!fd.ok()) (void)e.unlink(tmp);
  }
  if (!fd.ok()) {
    tmp = dir_ + "/tmp/" + id;
    fd = e.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  }
  if (!fd.ok()) return fd.status();
  Status s = e.write(*fd, text.data(), text.size());
  if (!one_write) {
    for (std::string_view p : pieces) {
      if (!s.ok()) break;
      s = e.write(*fd, p.data(), p.size());
    }
    if (s.ok()) s = e.write(*fd, states.data(), states.size());
  }
  if (s.ok()) s = e.fsync(*fd);
  Status closed = e.close(*fd);
  if (s.ok()) s = closed;
  if (s.ok()) s = e.rename(tmp, path, maildir::RenameMode::kNoReplace);
  if (!s.ok()) {
    (void)e.unlink(tmp);
    return s;
  }
  // The entry is durable once env/ is: one fsync shared with the other threads enqueueing or
  // removing right now.
  s = env_sync_->sync();
  if (!s.ok()) {
    // Not durable: take it back (no 250 for it).
    (void)e.unlink(path);
    return s;
  }
  return id;
}

Result<std::vector<QueueId>> Queue::list() const {
  Result<std::vector<std::string>> names = env().list_dir(dir_ + "/env");
  if (!names.ok()) return names.status();
  std::vector<QueueId> out;
  for (std::string& n : *names)
    if (valid_id(n)) out.push_back(std::move(n));
  return out;
}

Result<Entry> Queue::load(const QueueId& id) const {
  if (!valid_id(id)) return Status(Code::kNotFound, "bad queue id");
  Env& e = env();
  const std::string path = dir_ + "/env/" + id;
  Result<int> fd = e.open(path, O_RDONLY | O_NOFOLLOW, 0);
  if (!fd.ok()) return fd.status();
  struct Closer {
    Env& e;
    int fd;
    ~Closer() { (void)e.close(fd); }
  } closer{e, *fd};
  auto corrupt = [&](const std::string& why) { return Status(Code::kCorrupt, id + ": " + why); };
  // Read until the envelope block and the message line are in `buf` (usually one read).
  std::string buf;
  std::size_t end = std::string::npos;
  std::optional<MessageLine> ml;
  bool eof = false;
  for (;;) {
    Result<std::uint64_t> n = read_into(e, *fd, kCopyBuffer, buf);
    if (!n.ok()) return n.status();
    eof = *n < kCopyBuffer;
    if (buf.compare(0, 15, "tegami-queue 1\n") == 0) {
      // Version 1: the whole file is the envelope text.
      while (!eof) {
        Result<std::uint64_t> m = read_into(e, *fd, kCopyBuffer, buf);
        if (!m.ok()) return m.status();
        eof = *m < kCopyBuffer;
      }
      Result<Entry> entry = parse_envelope(buf, id);
      if (!entry.ok()) return corrupt(entry.status().message());
      entry->message_file = dir_ + "/msg/" + id;
      Result<struct stat> st = e.stat(entry->message_file, false);
      if (!st.ok()) return st.status();
      entry->message_size = static_cast<std::uint64_t>(st->st_size);
      return entry;
    }
    if (end == std::string::npos) end = head_end(buf);
    if (end != std::string::npos) {
      ml = message_line(std::string_view(buf).substr(end));
      if (ml) break;
    }
    if (eof) return corrupt("truncated envelope");
    if (buf.size() > kMaxHead) return corrupt("envelope too large");
  }
  if (ml->length == 0) return corrupt("bad message line");
  const std::uint64_t offset = end + ml->length;
  const std::uint64_t tail_at = offset + ml->size;
  std::string text = buf.substr(0, end);
  if (buf.size() >= tail_at && eof) {
    text.append(buf, static_cast<std::size_t>(tail_at), std::string::npos);
  } else {
    Result<struct stat> st = e.stat(path, false);
    if (!st.ok()) return st.status();
    if (static_cast<std::uint64_t>(st->st_size) < tail_at) return corrupt("message truncated");
    if (buf.size() > tail_at) {
      text.append(buf, static_cast<std::size_t>(tail_at), std::string::npos);
    } else if (Status s = seek(*fd, tail_at, path); !s.ok()) {
      return s;
    }
    for (;;) {
      Result<std::uint64_t> n = read_into(e, *fd, kCopyBuffer, text);
      if (!n.ok()) return n.status();
      if (*n < kCopyBuffer) break;
    }
  }
  if (buf.size() < tail_at && eof) return corrupt("message truncated");
  Result<Entry> entry = parse_envelope(text, id);
  if (!entry.ok()) return corrupt(entry.status().message());
  entry->message_file = path;
  entry->message_offset = offset;
  entry->message_size = ml->size;
  return entry;
}

Status Queue::record(const Entry& entry, const std::vector<std::size_t>& changed) {
  if (changed.empty()) return Status::Ok();
  if (!valid_id(entry.id)) return Status(Code::kNotFound, "bad queue id");
  Env& e = env();
  const std::string path = dir_ + "/env/" + entry.id;
  Result<struct stat> st = e.stat(path, false);
  if (!st.ok()) return st.status();
  // Rough bound on the envelope text: rewrite the file when the appended lines dominate.
  std::uint64_t text = static_cast<std::uint64_t>(st->st_size);
  if (entry.version != 1) text -= std::min(text, entry.message_size);
  std::size_t bound = (entry.recipients.size() * kCompactLinesPerRecipient + kCompactSlack) * 160;
  if (text > bound) return rewrite(entry);
  std::string lines;
  for (std::size_t i : changed) lines += format_state(i, entry.recipients.at(i));
  Result<int> fd = e.open(path, O_WRONLY | O_APPEND | O_NOFOLLOW, 0);
  if (!fd.ok()) return fd.status();
  Status s = e.write(*fd, lines.data(), lines.size());
  if (s.ok()) s = e.fsync(*fd);
  Status closed = e.close(*fd);
  return s.ok() ? closed : s;
}

Status Queue::rewrite(const Entry& entry) {
  Env& e = env();
  Result<std::string> head = format_head(entry.envelope, entry.recipients);
  if (!head.ok()) return head.status();
  const std::string tmp = dir_ + "/tmp/" + entry.id;
  const std::string path = dir_ + "/env/" + entry.id;
  (void)e.unlink(tmp);
  Result<int> in = e.open(entry.message_file, O_RDONLY | O_NOFOLLOW, 0);
  if (!in.ok()) return in.status();
  Status s = seek(*in, entry.message_offset, entry.message_file);
  Result<int> out = e.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!out.ok()) {
    (void)e.close(*in);
    return out.status();
  }
  std::string text = std::move(*head);
  text += kMessageKey;
  text += std::to_string(entry.message_size);
  text += '\n';
  if (s.ok()) s = e.write(*out, text.data(), text.size());
  std::uint64_t left = entry.message_size;
  std::array<char, kCopyBuffer> buf;
  while (s.ok() && left > 0) {
    Result<std::size_t> n = e.read(
        *in, buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), left)));
    if (!n.ok()) {
      s = n.status();
    } else if (*n == 0) {
      s = Status(Code::kCorrupt, entry.message_file + ": message truncated");
    } else {
      s = e.write(*out, buf.data(), *n);
      left -= *n;
    }
  }
  (void)e.close(*in);
  const std::string states = format_current_states(entry.recipients);
  if (s.ok()) s = e.write(*out, states.data(), states.size());
  if (s.ok()) s = e.fsync(*out);
  Status closed = e.close(*out);
  if (s.ok()) s = closed;
  if (s.ok()) s = e.rename(tmp, path);
  if (!s.ok()) {
    (void)e.unlink(tmp);
    return s;
  }
  if (Status d = env_sync_->sync(); !d.ok()) return d;
  // The new file is durable: a version 1 message file is no longer needed.
  if (entry.version == 1) (void)e.unlink(dir_ + "/msg/" + entry.id);
  return Status::Ok();
}

Status Queue::remove(const QueueId& id) {
  if (!valid_id(id)) return Status(Code::kNotFound, "bad queue id");
  Env& e = env();
  const std::string path = dir_ + "/env/" + id;
  const std::string spare = dir_ + "/free/" + id;
  bool kept = false;
  if (recycle_) {
    Result<struct stat> st = e.stat(path, false);
    if (!st.ok() && st.status().code() == Code::kNotFound) return st.status();
    if (st.ok() && st->st_size <= kMaxSpareBytes) {
      Status r = e.rename(path, spare, maildir::RenameMode::kNoReplace);
      if (!r.ok() && r.code() == Code::kNotFound) return r;
      kept = r.ok();
    }
  }
  if (!kept) {
    if (Status s = e.unlink(path); !s.ok()) return s;
  }
  Status s = env_sync_->sync();
  // Reused only once its removal is durable: a crash can never bring back env/<id> with a
  // later entry's bytes in it.
  if (kept && s.ok()) give_free(spare);
  if (legacy_) {
    // msg/ is not synced: should the unlink be lost in a crash, Queue::open removes the
    // message file as a leftover (no env/ file names it).
    Status m = e.unlink(dir_ + "/msg/" + id);
    if (s.ok() && !m.ok() && m.code() != Code::kNotFound) return m;
  }
  return s;
}

Result<std::string> Queue::read_message(const Entry& entry, std::uint64_t max_bytes) const {
  if (max_bytes != 0 && entry.message_size > max_bytes) {
    return Status(Code::kLimit,
                  entry.id + ": message is larger than " + std::to_string(max_bytes) + " bytes");
  }
  Env& e = env();
  Result<int> fd = e.open(entry.message_file, O_RDONLY | O_NOFOLLOW, 0);
  if (!fd.ok()) return fd.status();
  std::string out;
  out.reserve(static_cast<std::size_t>(entry.message_size));
  Status s = seek(*fd, entry.message_offset, entry.message_file);
  Result<std::uint64_t> n = s;
  if (s.ok()) n = read_into(e, *fd, entry.message_size, out);
  (void)e.close(*fd);
  if (!n.ok()) return n.status();
  if (*n != entry.message_size) return Status(Code::kCorrupt, entry.id + ": message truncated");
  return out;
}

}  // namespace tegami_queue
