#include "queue/queue.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <set>

namespace tegami_queue {

using maildir::Code;
using maildir::Env;
using maildir::Result;
using maildir::Status;

namespace {

constexpr std::size_t kMaxIdLength = 200;
constexpr std::size_t kCopyBuffer = 64 * 1024;
// State lines beyond this many per recipient (plus a constant) make record() rewrite the file.
constexpr std::size_t kCompactLinesPerRecipient = 4;
constexpr std::size_t kCompactSlack = 16;

Status make_dir(Env& env, const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) {
    Result<struct stat> st = env.stat(dir);
    if (!st.ok()) return st.status();
    if (!S_ISDIR(st->st_mode)) return Status(Code::kIo, dir + " is not a directory");
    return Status::Ok();
  }
  return maildir::from_errno("mkdir " + dir);
}

// Writes all of `reader` (or `bytes`) to a new file `path`, fsyncs and closes it. Removes the
// file on any error.
Status write_file(Env& env, const std::string& path, const maildir::MessageReader& reader) {
  Result<int> fd = env.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (!fd.ok()) return fd.status();
  std::array<char, kCopyBuffer> buf;
  Status st;
  for (;;) {
    Result<std::size_t> n = reader(buf.data(), buf.size());
    if (!n.ok()) {
      st = n.status();
      break;
    }
    if (*n == 0) break;
    st = env.write(*fd, buf.data(), *n);
    if (!st.ok()) break;
  }
  if (st.ok()) st = env.fsync(*fd);
  Status closed = env.close(*fd);
  if (st.ok()) st = closed;
  if (!st.ok()) (void)env.unlink(path);
  return st;
}

maildir::MessageReader bytes_reader(std::string_view bytes) {
  auto pos = std::make_shared<std::size_t>(0);
  return [bytes, pos](char* buf, std::size_t cap) -> Result<std::size_t> {
    std::size_t n = std::min(cap, bytes.size() - *pos);
    std::copy_n(bytes.data() + *pos, n, buf);
    *pos += n;
    return n;
  };
}

Result<std::string> read_all(Env& env, const std::string& path, std::uint64_t max_bytes) {
  Result<int> fd = env.open(path, O_RDONLY | O_NOFOLLOW, 0);
  if (!fd.ok()) return fd.status();
  std::string out;
  std::array<char, kCopyBuffer> buf;
  Status st;
  for (;;) {
    Result<std::size_t> n = env.read(*fd, buf.data(), buf.size());
    if (!n.ok()) {
      st = n.status();
      break;
    }
    if (*n == 0) break;
    if (max_bytes != 0 && out.size() + *n > max_bytes) {
      st = Status(Code::kLimit, path + " is larger than " + std::to_string(max_bytes) + " bytes");
      break;
    }
    out.append(buf.data(), *n);
  }
  (void)env.close(*fd);
  if (!st.ok()) return st;
  return out;
}

}  // namespace

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength || id[0] == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f && c != '/'; });
}

Result<std::unique_ptr<Queue>> Queue::open(const std::string& dir, QueueOptions options) {
  std::unique_ptr<Queue> q(new Queue(dir, options));
  for (const std::string& d : {dir, dir + "/tmp", dir + "/msg", dir + "/env"}) {
    if (Status s = make_dir(q->env(), d); !s.ok()) return s;
  }
  if (Status s = q->clean_leftovers(); !s.ok()) return s;
  return q;
}

Result<std::unique_ptr<Queue>> Queue::attach(const std::string& dir, QueueOptions options) {
  std::unique_ptr<Queue> q(new Queue(dir, options));
  Result<struct stat> st = q->env().stat(dir + "/env");
  if (!st.ok()) return st.status();
  if (!S_ISDIR(st->st_mode)) return Status(Code::kNotFound, dir + "/env is not a directory");
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
  for (const std::string& name : *tmp) (void)e.unlink(dir_ + "/tmp/" + name);
  Result<std::vector<std::string>> envs = e.list_dir(dir_ + "/env");
  if (!envs.ok()) return envs.status();
  std::set<std::string> live(envs->begin(), envs->end());
  Result<std::vector<std::string>> msgs = e.list_dir(dir_ + "/msg");
  if (!msgs.ok()) return msgs.status();
  bool removed = false;
  for (const std::string& name : *msgs) {
    if (live.count(name) != 0) continue;
    // msg/ without env/: an enqueue that never finished (the client got no 250), or a
    // remove() cut short after its first unlink. Either way nobody needs it.
    (void)e.unlink(dir_ + "/msg/" + name);
    removed = true;
  }
  if (removed) return e.sync_dir(dir_ + "/msg");
  return Status::Ok();
}

Result<QueueId> Queue::enqueue(const Envelope& envelope, const std::vector<Recipient>& recipients,
                               std::string_view message) {
  return enqueue(envelope, recipients, bytes_reader(message));
}

Result<QueueId> Queue::enqueue(const Envelope& envelope, const std::vector<Recipient>& recipients,
                               const maildir::MessageReader& reader) {
  Result<std::string> text = format_envelope(envelope, recipients);
  if (!text.ok()) return text.status();
  Env& e = env();
  const QueueId id = maildir::make_unique_name();
  const std::string tmp_env = dir_ + "/tmp/" + id + ".env";
  const std::string msg = message_path(id);
  const std::string envf = dir_ + "/env/" + id;
  // The message goes straight to msg/<id> (created exclusively): until env/<id> exists nothing
  // reads it, and a crash leaves a msg/ file without env/, removed by the next open(). This
  // saves a rename across directories (the file system serialises those) per message.
  if (Status s = write_file(e, msg, reader); !s.ok()) return s;
  // msg/ must be durable before env/ names the entry.
  Status s = e.sync_dir(dir_ + "/msg");
  if (s.ok()) s = write_file(e, tmp_env, bytes_reader(*text));
  if (s.ok()) {
    s = e.rename(tmp_env, envf, maildir::RenameMode::kNoReplace);
    if (!s.ok()) (void)e.unlink(tmp_env);
  }
  if (s.ok()) {
    s = e.sync_dir(dir_ + "/env");
    // Not durable: take it back (a crash now leaves msg/ alone, cleaned at the next open).
    if (!s.ok()) (void)e.unlink(envf);
  }
  if (!s.ok()) {
    (void)e.unlink(msg);
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
  Result<std::string> text = read_all(env(), dir_ + "/env/" + id, 0);
  if (!text.ok()) return text.status();
  Result<Entry> entry = parse_envelope(*text, id);
  if (!entry.ok()) return Status(Code::kCorrupt, id + ": " + entry.status().message());
  return entry;
}

Status Queue::record(const Entry& entry, const std::vector<std::size_t>& changed) {
  if (changed.empty()) return Status::Ok();
  if (!valid_id(entry.id)) return Status(Code::kNotFound, "bad queue id");
  Env& e = env();
  const std::string path = dir_ + "/env/" + entry.id;
  Result<struct stat> st = e.stat(path, false);
  if (!st.ok()) return st.status();
  // Rough bound on the file: rewrite it when the appended lines dominate.
  std::size_t bound = (entry.recipients.size() * kCompactLinesPerRecipient + kCompactSlack) * 160;
  if (static_cast<std::size_t>(st->st_size) > bound) {
    return write_envelope(entry, entry.id + ".env");
  }
  std::string lines;
  for (std::size_t i : changed) lines += format_state(i, entry.recipients.at(i));
  Result<int> fd = e.open(path, O_WRONLY | O_APPEND | O_NOFOLLOW, 0);
  if (!fd.ok()) return fd.status();
  Status s = e.write(*fd, lines.data(), lines.size());
  if (s.ok()) s = e.fsync(*fd);
  Status closed = e.close(*fd);
  return s.ok() ? closed : s;
}

// Rewrites env/<id> as the initial block plus one state line per recipient not in its
// initial state, by tmp + fsync + rename + fsync env/.
Status Queue::write_envelope(const Entry& entry, const std::string& tmp_name) {
  Env& e = env();
  Result<std::string> text = format_envelope(entry.envelope, entry.recipients);
  if (!text.ok()) return text.status();
  const std::string tmp = dir_ + "/tmp/" + tmp_name;
  (void)e.unlink(tmp);
  if (Status s = write_file(e, tmp, bytes_reader(*text)); !s.ok()) return s;
  if (Status s = e.rename(tmp, dir_ + "/env/" + entry.id); !s.ok()) {
    (void)e.unlink(tmp);
    return s;
  }
  return e.sync_dir(dir_ + "/env");
}

Status Queue::remove(const QueueId& id) {
  if (!valid_id(id)) return Status(Code::kNotFound, "bad queue id");
  Env& e = env();
  if (Status s = e.unlink(dir_ + "/env/" + id); !s.ok()) return s;
  Status s = e.sync_dir(dir_ + "/env");
  // msg/ is not synced: should the unlink be lost in a crash, Queue::open removes the
  // message file as a leftover (no env/ file names it).
  Status m = e.unlink(message_path(id));
  if (!s.ok()) return s;
  // A message file already gone is no error: the entry is removed.
  if (!m.ok() && m.code() != Code::kNotFound) return m;
  return Status::Ok();
}

std::string Queue::message_path(const QueueId& id) const {
  return dir_ + "/msg/" + id;
}

Result<std::string> Queue::read_message(const QueueId& id, std::uint64_t max_bytes) const {
  if (!valid_id(id)) return Status(Code::kNotFound, "bad queue id");
  return read_all(env(), message_path(id), max_bytes);
}

Result<std::uint64_t> Queue::message_size(const QueueId& id) const {
  if (!valid_id(id)) return Status(Code::kNotFound, "bad queue id");
  Result<struct stat> st = env().stat(message_path(id), false);
  if (!st.ok()) return st.status();
  return static_cast<std::uint64_t>(st->st_size);
}

}  // namespace tegami_queue
