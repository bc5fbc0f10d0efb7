// Durable delivery: names, line ends, sizes, new/ vs cur/, internal date, limits, and an error
// injected at every single OS call leaving nothing behind.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "maildir/delivery.h"
#include "maildir/lock.h"
#include "maildir/quota.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace maildir;

namespace {

std::string make_folder(const std::string& dir) {
  for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(fs::path(dir) / sub);
  return dir;
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string convert(std::string_view in) {
  LineEndConverter c;
  std::string out;
  c.feed(in, out);
  c.finish(out);
  return out;
}

// Fails the fail_at-th OS call (1-based) with kIo and remembers which kind of call it was.
class FaultEnv : public Env {
 public:
  explicit FaultEnv(int fail_at) : fail_at_(fail_at) {}
  std::string failed_op;
  int calls = 0;

  Result<int> open(const std::string& p, int f, mode_t m) override {
    if (hit("open")) return injected();
    return Env::open(p, f, m);
  }
  Status write(int fd, const void* d, size_t n) override {
    return hit("write") ? injected() : Env::write(fd, d, n);
  }
  Result<size_t> read(int fd, void* d, size_t n) override {
    if (hit("read")) return injected();
    return Env::read(fd, d, n);
  }
  Status fsync(int fd) override { return hit("fsync") ? injected() : Env::fsync(fd); }
  Status set_mtime(int fd, const struct timespec& t) override {
    return hit("set_mtime") ? injected() : Env::set_mtime(fd, t);
  }
  Status close(int fd) override {
    Status st = Env::close(fd);  // the descriptor is gone either way
    return hit("close") ? injected() : st;
  }
  Status rename(const std::string& a, const std::string& b, RenameMode m) override {
    return hit("rename") ? injected() : Env::rename(a, b, m);
  }
  Status link(const std::string& a, const std::string& b) override {
    return hit("link") ? injected() : Env::link(a, b);
  }
  Status unlink(const std::string& p) override {
    return hit("unlink") ? injected() : Env::unlink(p);
  }
  Status sync_dir(const std::string& d) override {
    return hit("sync_dir") ? injected() : Env::sync_dir(d);
  }
  Result<struct stat> stat(const std::string& p, bool f) override {
    if (hit("stat")) return injected();
    return Env::stat(p, f);
  }
  Result<std::vector<std::string>> list_dir(const std::string& d) override {
    if (hit("list_dir")) return injected();
    return Env::list_dir(d);
  }

 private:
  bool hit(const char* op) {
    if (++calls != fail_at_) return false;
    failed_op = op;
    return true;
  }
  static Status injected() { return Status(Code::kIo, "injected fault"); }
  int fail_at_;
};

}  // namespace

TEST_CASE("unique names have the documented shape and never repeat") {
  std::regex shape(R"(^\d+\.M\d{1,6}P\d+Q\d+\.[^/:]+$)");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string n = make_unique_name();
    CHECK(std::regex_match(n, shape));
    CHECK(n.find(local_hostname()) != std::string::npos);
    seen.insert(n);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("line ends: CRLF becomes LF, bare LF kept, bare CR kept, sizes counted") {
  struct Row {
    std::string in, disk;
    std::uint64_t vsize;
  };
  std::vector<Row> rows = {
      {"a\r\nb\r\n", "a\nb\n", 6}, {"a\nb\n", "a\nb\n", 6},
      {"a\rb\n", "a\rb\n", 5},     {"a\r\r\n", "a\r\n", 4},
      {"end\r", "end\r", 4},       {"", "", 0},
      {"\r\n\r\n", "\n\n", 4},     {"no newline", "no newline", 10},
  };
  for (const Row& r : rows) {
    CAPTURE(r.in);
    LineEndConverter c;
    std::string out;
    c.feed(r.in, out);
    c.finish(out);
    CHECK(out == r.disk);
    CHECK(c.size() == r.disk.size());
    CHECK(c.vsize() == r.vsize);
  }
}

TEST_CASE("line ends: feeding one byte at a time gives the same result") {
  std::string msg = "Subject: x\r\n\r\nline\rwith cr\r\nlast\r\r\n\n\r";
  LineEndConverter c;
  std::string out;
  for (char ch : msg) c.feed(std::string_view(&ch, 1), out);
  c.finish(out);
  CHECK(out == convert(msg));
}

TEST_CASE("deliver_bytes puts an LF file into new/ with S= and W= in its name") {
  TempDir t;
  std::string folder = make_folder(t.path());
  std::string msg = "From: a@b\r\nSubject: hi\r\n\r\nbody\r\n";
  Result<Delivered> d = deliver_bytes(folder, msg);
  REQUIRE(d.ok());
  CHECK(files_in(folder + "/new") == std::vector<std::string>{d->name});
  CHECK(files_in(folder + "/tmp").empty());
  CHECK(d->path == folder + "/new/" + d->name);
  std::string disk = slurp(d->path);
  CHECK(disk == "From: a@b\nSubject: hi\n\nbody\n");
  CHECK(d->size == disk.size());
  CHECK(d->vsize == msg.size());
  CHECK(d->name.find(",S=" + std::to_string(disk.size()) + ",W=" + std::to_string(msg.size())) !=
        std::string::npos);
  CHECK(d->name.find(':') == std::string::npos);
  struct stat st {};
  REQUIRE(::stat(d->path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("an info string delivers into cur/ with :2,<info> and the internal date is the mtime") {
  TempDir t;
  std::string folder = make_folder(t.path());
  DeliveryOptions o;
  o.info = "FS";
  o.internal_date = timespec{1234567890, 0};
  Result<Delivered> d = deliver_bytes(folder, "x\n", o);
  REQUIRE(d.ok());
  CHECK(files_in(folder + "/new").empty());
  CHECK(files_in(folder + "/cur") == std::vector<std::string>{d->name});
  CHECK(d->name.size() > 5);
  CHECK(d->name.substr(d->name.size() - 5) == ":2,FS");
  struct stat st {};
  REQUIRE(::stat(d->path.c_str(), &st) == 0);
  CHECK(st.st_mtime == 1234567890);

  o.info = "a/b";
  CHECK(deliver_bytes(folder, "x\n", o).status().code() == Code::kInvalidArgument);
}

TEST_CASE("a message over max_size is refused with kLimit and leaves nothing") {
  TempDir t;
  std::string folder = make_folder(t.path());
  DeliveryOptions o;
  o.max_size = 100;
  CHECK(deliver_bytes(folder, std::string(100, 'x'), o).ok());  // exactly the limit is fine
  std::string big(60, 'x');
  big += "\n";
  big += std::string(60, 'y');
  Result<Delivered> d = deliver_bytes(folder, big, o);
  CHECK(d.status().code() == Code::kLimit);
  CHECK(files_in(folder + "/new").size() == 1);
  CHECK(files_in(folder + "/tmp").empty());

  // Streaming: the limit trips in the middle of the stream.
  size_t sent = 0;
  MessageReader endless = [&](char* buf, size_t cap) -> Result<size_t> {
    size_t n = std::min<size_t>(cap, 7);
    std::fill(buf, buf + n, 'z');
    sent += n;
    return n;
  };
  CHECK(deliver(folder, endless, o).status().code() == Code::kLimit);
  CHECK(sent < 200);  // it stopped reading
  CHECK(files_in(folder + "/tmp").empty());
  CHECK(files_in(folder + "/new").size() == 1);
}

TEST_CASE("deliver streams a large message from a reader in small chunks") {
  TempDir t;
  std::string folder = make_folder(t.path());
  const size_t lines = 200000;  // ~5 MB, CRLF split at every possible position
  std::string line = "0123456789012345678901\r\n";
  size_t produced = 0, pos = 0;
  MessageReader reader = [&](char* buf, size_t cap) -> Result<size_t> {
    size_t n = 0;
    size_t want = std::min<size_t>(cap, 13);
    while (n < want && produced < lines) {
      buf[n++] = line[pos++];
      if (pos == line.size()) {
        pos = 0;
        ++produced;
      }
    }
    return n;
  };
  DeliveryOptions o;
  o.max_size = 0;
  Result<Delivered> d = deliver(folder, reader, o);
  REQUIRE(d.ok());
  CHECK(d->size == lines * (line.size() - 1));
  CHECK(d->vsize == lines * line.size());
  CHECK(fs::file_size(d->path) == d->size);
}

TEST_CASE("a reader error delivers nothing and returns the reader's error") {
  TempDir t;
  std::string folder = make_folder(t.path());
  int calls = 0;
  MessageReader reader = [&](char* buf, size_t) -> Result<size_t> {
    if (++calls == 3) return Status(Code::kIo, "connection dropped");
    buf[0] = 'x';
    return size_t{1};
  };
  Result<Delivered> d = deliver(folder, reader);
  CHECK(d.status().code() == Code::kIo);
  CHECK(d.status().message() == "connection dropped");
  CHECK(files_in(folder + "/tmp").empty());
  CHECK(files_in(folder + "/new").empty());
}

TEST_CASE("MessageWriter: abort and the destructor remove the tmp file; use after end fails") {
  TempDir t;
  std::string folder = make_folder(t.path());
  {
    Result<MessageWriter> w = MessageWriter::open(folder);
    REQUIRE(w.ok());
    CHECK(w->write("hello\r\n").ok());
    CHECK(files_in(folder + "/tmp").size() == 1);
  }
  CHECK(files_in(folder + "/tmp").empty());
  Result<MessageWriter> w = MessageWriter::open(folder);
  REQUIRE(w.ok());
  CHECK(w->write("part").ok());
  w->abort();
  CHECK(files_in(folder + "/tmp").empty());
  CHECK(!w->write("more").ok());
  CHECK(!w->commit().ok());
  CHECK(files_in(folder + "/new").empty());

  Result<MessageWriter> w2 = MessageWriter::open(folder);
  REQUIRE(w2.ok());
  CHECK(w2->write("a\r").ok());
  CHECK(w2->write("\nb").ok());
  Result<Delivered> d = w2->commit();
  REQUIRE(d.ok());
  CHECK(slurp(d->path) == "a\nb");
  CHECK(!w2->commit().ok());  // a second commit is refused, the message stays
  CHECK(files_in(folder + "/new").size() == 1);
}

TEST_CASE("delivering into a folder that does not exist is kNotFound") {
  TempDir t;
  CHECK(deliver_bytes(t.path() + "/nope", "x").status().code() == Code::kNotFound);
}

TEST_CASE("an error injected at any OS call leaves no file in tmp/, new/ or cur/") {
  for (bool to_cur : {false, true}) {
    CAPTURE(to_cur);
    std::set<std::string> failed_ops;
    bool succeeded = false;
    for (int k = 1; k < 100 && !succeeded; ++k) {
      CAPTURE(k);
      TempDir t;
      std::string folder = make_folder(t.path());
      FaultEnv env(k);
      DeliveryOptions o;
      o.env = &env;
      o.internal_date = timespec{1700000000, 0};
      if (to_cur) o.info = "S";
      std::string msg(100000, 'x');  // > one flush: several writes
      msg += "\r\n";
      Result<Delivered> d = deliver_bytes(folder, msg, o);
      if (d.ok()) {
        succeeded = env.calls < k;  // no fault left to inject: every step was tried
        CHECK(env.failed_op.empty());
        CHECK(files_in(folder + (to_cur ? "/cur" : "/new")).size() == 1);
      } else {
        CAPTURE(env.failed_op);
        failed_ops.insert(env.failed_op);
        CHECK(d.status().code() == Code::kIo);
        CHECK(files_in(folder + "/tmp").empty());
        CHECK(files_in(folder + "/new").empty());
        CHECK(files_in(folder + "/cur").empty());
      }
    }
    CHECK(succeeded);
    for (const char* op : {"open", "write", "set_mtime", "fsync", "close", "rename", "sync_dir"}) {
      CAPTURE(op);
      CHECK(failed_ops.count(op) == 1);
    }
  }
}

TEST_CASE("with quota: an error at any OS call leaves no file and the quota matches a recount") {
  bool succeeded = false;
  std::set<std::string> failed_ops;
  for (int k = 1; k < 200 && !succeeded; ++k) {
    CAPTURE(k);
    TempDir t;
    std::string root = make_folder(t.path());
    // One message already there, counted in a fresh maildirsize.
    Quota plain(root,
                QuotaOptions{QuotaLimit::megabytes(1), kDefaultMaxMessageSize, true, nullptr});
    REQUIRE(deliver_bytes(root, "old\n").ok());
    REQUIRE(plain.recalculate().ok());

    FaultEnv env(k);
    QuotaOptions qo;
    qo.limit = QuotaLimit::megabytes(1);
    qo.env = &env;
    Quota quota(root, qo);
    DeliveryOptions o;
    o.env = &env;
    o.quota = &quota;
    Result<Delivered> d = deliver_bytes(root, "Subject: q\r\n\r\nbody\r\n", o);
    if (d.ok()) {
      // A fault swallowed on purpose (close after a complete append) still delivers; stop
      // only once no call was left to fail.
      succeeded = env.calls < k;
      CHECK(files_in(root + "/new").size() == 2);
    } else {
      CAPTURE(env.failed_op);
      failed_ops.insert(env.failed_op);
      CHECK(files_in(root + "/tmp").empty());
      CHECK(files_in(root + "/new").size() == 1);  // only the old one
    }
    std::string content = slurp(root + "/maildirsize");
    MaildirSize ms = parse_maildirsize(content);
    CHECK(ms.valid);
    CHECK(ms.count == static_cast<std::int64_t>(files_in(root + "/new").size()));
    Quota recount(root,
                  QuotaOptions{QuotaLimit::megabytes(1), kDefaultMaxMessageSize, true, nullptr});
    Result<QuotaUsage> fresh = recount.recalculate();
    REQUIRE(fresh.ok());
    CHECK(ms.bytes == fresh->bytes);
  }
  CHECK(succeeded);
  CHECK(failed_ops.count("rename") == 1);
  CHECK(failed_ops.count("sync_dir") == 1);
}

namespace {

// Two user Maildirs (each with its own 1 MB quota) and a message delivered into a third.
struct LinkFixture {
  TempDir t;
  std::string src = make_folder(t.path() + "/src");
  std::string a = make_folder(t.path() + "/a");
  std::string b = make_folder(t.path() + "/b");
  Quota qa{a, QuotaOptions{QuotaLimit::megabytes(1), kDefaultMaxMessageSize, true, nullptr}};
  Quota qb{b, QuotaOptions{QuotaLimit::megabytes(1), kDefaultMaxMessageSize, true, nullptr}};
  Delivered source;
  LinkFixture() {
    Result<Delivered> d = deliver_bytes(src, "Subject: fan-out\r\n\r\nbody\r\n");
    REQUIRE(d.ok());
    source = *d;
  }
  std::vector<LinkTarget> targets() {
    return {LinkTarget{a, &qa, QuotaPolicy::kOvershoot, std::nullopt},
            LinkTarget{b, &qb, QuotaPolicy::kOvershoot, std::nullopt}};
  }
};

struct stat stat_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

std::int64_t charged(const std::string& root) {
  return parse_maildirsize(slurp(root + "/maildirsize")).bytes;
}

}  // namespace

TEST_CASE("deliver_links: one inode in every new/, each quota charged the full size") {
  LinkFixture f;
  auto res = deliver_links(f.source, f.targets());
  REQUIRE(res.size() == 2);
  REQUIRE(res[0].ok());
  REQUIRE(res[1].ok());
  for (const auto& r : res) {
    CHECK(r->size == f.source.size);
    CHECK(r->vsize == f.source.vsize);
    CHECK(std::regex_match(r->name, std::regex(R"(\d+\.M\d+P\d+Q\d+\..+,S=\d+,W=\d+)")));
    CHECK(stat_of(r->path).st_ino == stat_of(f.source.path).st_ino);
  }
  CHECK(stat_of(f.source.path).st_nlink == 3);
  CHECK(files_in(f.a + "/new").size() == 1);
  CHECK(files_in(f.b + "/new").size() == 1);
  CHECK(charged(f.a) == static_cast<std::int64_t>(f.source.size));
  CHECK(charged(f.b) == static_cast<std::int64_t>(f.source.size));
  // A recount (by S= in the names) agrees with the appended lines.
  Result<QuotaUsage> recount = f.qa.recalculate();
  REQUIRE(recount.ok());
  CHECK(recount->bytes == static_cast<std::int64_t>(f.source.size));
  CHECK(files_in(f.a + "/tmp").empty());
}

TEST_CASE("deliver_links: an over-quota target is refused, the others still get the message") {
  LinkFixture f;
  DeliveryOptions big;
  big.quota = &f.qa;
  REQUIRE(deliver_bytes(f.a, std::string(1100000, 'x'), big).ok());  // a is now over its 1 MB
  auto res = deliver_links(f.source, f.targets());
  CHECK(res[0].status().code() == Code::kOverQuota);
  CHECK(res[1].ok());
  CHECK(files_in(f.a + "/new").size() == 1);  // only the big one
  CHECK(files_in(f.b + "/new").size() == 1);
}

TEST_CASE("deliver_links: a missing folder is kNotFound and leaves nothing") {
  LinkFixture f;
  auto res = deliver_links(f.source, {LinkTarget{f.t.path() + "/nowhere", nullptr,
                                                 QuotaPolicy::kOvershoot, std::nullopt}});
  CHECK(res[0].status().code() == Code::kNotFound);
}

TEST_CASE("deliver_links: where links fail the source is copied byte for byte") {
  LinkFixture f;
  struct NoLinks : Env {
    Status link(const std::string&, const std::string&) override {
      return Status(Code::kIo, "EXDEV");
    }
  } env;
  auto res = deliver_links(f.source, f.targets(), &env);
  REQUIRE(res[0].ok());
  REQUIRE(res[1].ok());
  CHECK(stat_of(res[0]->path).st_ino != stat_of(f.source.path).st_ino);
  CHECK(stat_of(f.source.path).st_nlink == 1);
  CHECK(slurp(res[0]->path) == slurp(f.source.path));
  CHECK(slurp(res[1]->path) == slurp(f.source.path));
  CHECK(charged(f.b) == static_cast<std::int64_t>(f.source.size));
  CHECK(files_in(f.a + "/tmp").empty());
}

TEST_CASE("deliver_links: across file systems (tmpfs /dev/shm) it falls back to a copy") {
  LinkFixture f;
  char tmpl[] = "/dev/shm/tegami-test-XXXXXX";
  if (!fs::is_directory("/dev/shm") || mkdtemp(tmpl) == nullptr) return;  // no tmpfs here
  std::string other = make_folder(tmpl);
  bool cross = stat_of(other).st_dev != stat_of(f.src).st_dev;
  auto res =
      deliver_links(f.source, {LinkTarget{other, nullptr, QuotaPolicy::kOvershoot, std::nullopt}});
  REQUIRE(res[0].ok());
  CHECK(slurp(res[0]->path) == slurp(f.source.path));
  if (cross) CHECK(stat_of(res[0]->path).st_ino != stat_of(f.source.path).st_ino);
  fs::remove_all(other);
}

TEST_CASE("deliver_links: an error at any OS call leaves each target whole or untouched") {
  bool succeeded = false;
  std::set<std::string> failed_ops;
  for (int k = 1; k < 200 && !succeeded; ++k) {
    CAPTURE(k);
    LinkFixture f;
    FaultEnv env(k);
    QuotaOptions qo;
    qo.limit = QuotaLimit::megabytes(1);
    qo.env = &env;
    Quota qa(f.a, qo), qb(f.b, qo);
    std::vector<LinkTarget> targets = {LinkTarget{f.a, &qa, QuotaPolicy::kOvershoot, std::nullopt},
                                       LinkTarget{f.b, &qb, QuotaPolicy::kOvershoot, std::nullopt}};
    auto res = deliver_links(f.source, targets, &env);
    bool all_ok = res[0].ok() && res[1].ok();
    if (all_ok) succeeded = env.calls < k;
    if (env.calls >= k) failed_ops.insert(env.failed_op);  // a fault was injected
    for (size_t i = 0; i < 2; ++i) {
      const std::string& root = i == 0 ? f.a : f.b;
      CHECK(files_in(root + "/tmp").empty());
      CHECK(files_in(root + "/new").size() == (res[i].ok() ? 1u : 0u));
      if (fs::exists(root + "/maildirsize")) {
        MaildirSize ms = parse_maildirsize(slurp(root + "/maildirsize"));
        CHECK(ms.valid);
        CHECK(ms.count == static_cast<std::int64_t>(files_in(root + "/new").size()));
      }
    }
  }
  CHECK(succeeded);
  CHECK(failed_ops.count("link") == 1);
  CHECK(failed_ops.count("sync_dir") == 1);
}
