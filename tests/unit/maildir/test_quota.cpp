// maildirsize: format, the recalculation rules, the two policies, what counts, and deliveries
// refused before anything reaches new/.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <utime.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "maildir/delivery.h"
#include "maildir/quota.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace maildir;

namespace {

void make_folder(const std::string& dir) {
  for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(fs::path(dir) / sub);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// A message file of `size` bytes whose name carries no S=, so the size comes from stat.
void put_file(const std::string& path, size_t size) {
  spit(path, std::string(size, 'm'));
}

size_t count_files(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  return n;
}

QuotaOptions limit_mb(std::uint64_t mb, std::uint64_t count = 0) {
  QuotaOptions o;
  o.limit = QuotaLimit::megabytes(mb, count);
  return o;
}

void age_file(const std::string& path, int seconds) {
  struct utimbuf t;
  t.actime = t.modtime = time(nullptr) - seconds;
  REQUIRE(utime(path.c_str(), &t) == 0);
}

}  // namespace

TEST_CASE("quota definition: written as bytes (MB x 1048576) and count, only non-zero parts") {
  CHECK(format_quota_limit(QuotaLimit::megabytes(10)) == "10485760S");
  CHECK(format_quota_limit(QuotaLimit::megabytes(20, 1000)) == "20971520S,1000C");
  CHECK(format_quota_limit(QuotaLimit{0, 500}) == "500C");
  CHECK(format_quota_limit(QuotaLimit{}) == "");
  CHECK(parse_quota_limit("10485760S,1000C").value() == QuotaLimit{10485760, 1000});
  CHECK(parse_quota_limit("1000C,5S").value() == QuotaLimit{5, 1000});
  CHECK(parse_quota_limit("  2048S  ").value() == QuotaLimit{2048, 0});
  CHECK(parse_quota_limit("").value().unlimited());
  for (const char* bad : {"10X", "S", "10S,", "-5S", "10 S", "abc", "10S,20"}) {
    CAPTURE(bad);
    CHECK(parse_quota_limit(bad).status().code() == Code::kCorrupt);
  }
}

TEST_CASE("maildirsize parsing: any whitespace, Courier padding, sums, broken lines") {
  MaildirSize m = parse_maildirsize("1000S,10C\n100 1\n  200\t 2\n-50 -1   \n");
  CHECK(m.valid);
  CHECK(m.limit == QuotaLimit{1000, 10});
  CHECK(m.bytes == 250);
  CHECK(m.count == 2);
  CHECK(m.lines == 3);

  CHECK(parse_maildirsize("1000S\n").lines == 0);
  CHECK(parse_maildirsize("1000S").valid);
  CHECK(!parse_maildirsize("").valid);
  CHECK(!parse_maildirsize("1000S\n12 x\n").valid);
  CHECK(!parse_maildirsize("1000S\n12\n").valid);
  CHECK(!parse_maildirsize("1000S\n12 1 7\n").valid);
  CHECK(!parse_maildirsize("bogus\n12 1\n").valid);
  CHECK(!parse_maildirsize("1S\n9223372036854775807 1\n1 1\n").valid);  // overflow
  MaildirSize neg = parse_maildirsize("1000S\n10 1\n-20 -2\n");
  CHECK(neg.valid);
  CHECK(neg.bytes == -10);
}

TEST_CASE("a missing maildirsize is created by a recount of new/ and cur/ of every folder") {
  TempDir t;
  const std::string r = t.path();
  make_folder(r);
  make_folder(r + "/.Sent");
  make_folder(r + "/.Sent.2024");
  spit(r + "/.Sent/maildirfolder", "");
  put_file(r + "/new/1.M1P1Q1.h", 100);
  put_file(r + "/cur/2.M1P1Q1.h:2,S", 200);
  put_file(r + "/cur/3.M1P1Q1.h,S=5000,W=5100:2,", 10);  // S= wins over the real size
  put_file(r + "/.Sent/cur/4.M1P1Q1.h:2,S", 300);
  put_file(r + "/.Sent.2024/new/5.M1P1Q1.h", 400);
  put_file(r + "/tmp/6.M1P1Q1.h", 999);  // tmp/ never counts

  Quota q(r, limit_mb(10));
  Result<QuotaUsage> u = q.usage();
  REQUIRE(u.ok());
  CHECK(u->recalculated);
  CHECK(u->bytes == 100 + 200 + 5000 + 300 + 400);
  CHECK(u->count == 5);
  CHECK(u->limit == QuotaLimit::megabytes(10));
  CHECK(slurp(r + "/maildirsize") == "10485760S\n6000 5\n");
  CHECK(count_files(r + "/tmp") == 1);  // the recount's own temporary file is gone

  // Without a configured quota and without a file: counted, but no file is created.
  TempDir t2;
  make_folder(t2.path());
  put_file(t2.path() + "/new/1.M1P1Q1.h", 42);
  Result<QuotaUsage> u2 = Quota(t2.path()).usage();
  REQUIRE(u2.ok());
  CHECK(u2->bytes == 42);
  CHECK(u2->limit.unlimited());
  CHECK(!fs::exists(t2.path() + "/maildirsize"));
}

TEST_CASE("record appends lines and usage sums them without recounting") {
  TempDir t;
  make_folder(t.path());
  Quota q(t.path(), limit_mb(1));
  REQUIRE(q.recalculate().ok());
  CHECK(q.record(1000, 1).ok());
  CHECK(q.record(-300, -1).ok());
  CHECK(slurp(t.path() + "/maildirsize") == "1048576S\n0 0\n1000 1\n-300 -1\n");
  Result<QuotaUsage> u = q.usage();
  REQUIRE(u.ok());
  CHECK(!u->recalculated);  // the totals are not what's on disk, and that is trusted
  CHECK(u->bytes == 700);
  CHECK(u->count == 0);
}

TEST_CASE("recalculation: file of 5120 bytes or more") {
  TempDir t;
  make_folder(t.path());
  put_file(t.path() + "/new/1.M1P1Q1.h", 10);
  Quota q(t.path(), limit_mb(1));
  REQUIRE(q.recalculate().ok());
  while (fs::file_size(t.path() + "/maildirsize") < 5120) REQUIRE(q.record(1, 0).ok());
  Result<QuotaUsage> u = q.usage();
  REQUIRE(u.ok());
  CHECK(u->recalculated);
  CHECK(u->bytes == 10);
  CHECK(slurp(t.path() + "/maildirsize") == "1048576S\n10 1\n");
}

TEST_CASE("recalculation: negative or unparsable totals, or another quota definition") {
  TempDir t;
  make_folder(t.path());
  put_file(t.path() + "/new/1.M1P1Q1.h", 10);
  const std::string f = t.path() + "/maildirsize";
  Quota q(t.path(), limit_mb(1));
  for (const char* content : {"1048576S\n-5 -1\n", "1048576S\n10 1\ngarbage\n", "",
                              "1048576S\n10 1\n99999999999999999999 1\n", "2097152S\n10 1\n"}) {
    CAPTURE(content);
    spit(f, content);
    Result<QuotaUsage> u = q.usage();
    REQUIRE(u.ok());
    CHECK(u->recalculated);
    CHECK(u->bytes == 10);
    CHECK(slurp(f) == "1048576S\n10 1\n");
  }
  // Without a configured limit the file's own definition is kept.
  spit(f, "2097152S,7C\n-1 0\n");
  Result<QuotaUsage> u = Quota(t.path()).usage();
  REQUIRE(u.ok());
  CHECK(u->limit == QuotaLimit{2097152, 7});
  CHECK(slurp(f) == "2097152S,7C\n10 1\n");
}

TEST_CASE("recalculation: over quota is trusted only from a fresh one-line file") {
  TempDir t;
  make_folder(t.path());
  put_file(t.path() + "/new/1.M1P1Q1.h", 10);  // really: 10 bytes used of 1 MB
  const std::string f = t.path() + "/maildirsize";
  Quota q(t.path(), limit_mb(1));

  // One line, fresh, says over: trusted (another tegami node may know better than our scan).
  spit(f, "1048576S\n2000000 1\n");
  Result<QuotaUsage> u = q.usage();
  REQUIRE(u.ok());
  CHECK(!u->recalculated);
  CHECK(u->bytes == 2000000);

  // The same file older than 15 minutes: recounted.
  age_file(f, 16 * 60);
  u = q.usage();
  REQUIRE(u.ok());
  CHECK(u->recalculated);
  CHECK(u->bytes == 10);

  // Over quota on more than one line: recounted, even when fresh.
  spit(f, "1048576S\n1000000 1\n100000 1\n");
  u = q.usage();
  REQUIRE(u.ok());
  CHECK(u->recalculated);
  CHECK(u->bytes == 10);

  // Under quota on many lines, old: trusted, no recount.
  spit(f, "1048576S\n5 1\n5 0\n");
  age_file(f, 3600);
  u = q.usage();
  REQUIRE(u.ok());
  CHECK(!u->recalculated);
}

TEST_CASE("recalculation redoes the count when a directory changed while it counted") {
  TempDir t;
  const std::string r = t.path();
  make_folder(r);
  put_file(r + "/new/1.M1P1Q1.h", 10);
  // A foreign writer (no lock) delivers into cur/ right after the first listing of new/.
  struct RacingEnv : Env {
    std::string target;
    bool done = false;
    Result<std::vector<std::string>> list_dir(const std::string& d) override {
      Result<std::vector<std::string>> out = Env::list_dir(d);
      if (!done && d == target + "/new") {
        done = true;
        put_file(target + "/cur/2.M1P1Q1.h,S=20:2,S", 20);
      }
      return out;
    }
  } env;
  env.target = r;
  QuotaOptions o = limit_mb(1);
  o.env = &env;
  Result<QuotaUsage> u = Quota(r, o).recalculate();
  REQUIRE(u.ok());
  CHECK(env.done);
  CHECK(u->bytes == 30);
  CHECK(u->count == 2);
  CHECK(slurp(r + "/maildirsize") == "1048576S\n30 2\n");
}

TEST_CASE(
    "overshoot policy: under quota takes one message over, up to the grace; at quota refuses") {
  TempDir t;
  make_folder(t.path());
  QuotaOptions o = limit_mb(1);
  o.grace_bytes = 500000;
  Quota q(t.path(), o);
  put_file(t.path() + "/new/1.M1P1Q1.h", 1048575);  // one byte under
  REQUIRE(q.recalculate().ok());
  CHECK(q.check(400000).ok());                        // takes it over, within the grace
  CHECK(q.check(500001).ok());                        // exactly limit + grace
  CHECK(q.check(500002).code() == Code::kOverQuota);  // past limit + grace
  CHECK(q.check(400000, QuotaPolicy::kStrict).code() == Code::kOverQuota);
  CHECK(q.check(1, QuotaPolicy::kStrict).ok());
  put_file(t.path() + "/new/2.M1P1Q1.h", 1);
  REQUIRE(q.record(1, 1).ok());  // exactly at the limit
  Status st = q.check(1);
  CHECK(st.code() == Code::kOverQuota);
  CHECK(st.message().find("full") != std::string::npos);
  CHECK(q.check(0).code() == Code::kOverQuota);
  CHECK(q.check(0, QuotaPolicy::kStrict).ok());  // strict: a zero-byte message still fits
}

TEST_CASE("a stale over-quota verdict is recounted before refusing") {
  TempDir t;
  make_folder(t.path());
  Quota q(t.path(), limit_mb(1));
  REQUIRE(q.recalculate().ok());
  REQUIRE(q.record(2000000, 1).ok());  // drift: the file says over, the mailbox is empty
  CHECK(q.check(100).ok());
}

TEST_CASE("message count limit") {
  TempDir t;
  make_folder(t.path());
  Quota q(t.path(), limit_mb(1, 2));
  DeliveryOptions d;
  d.quota = &q;
  CHECK(deliver_bytes(t.path(), "a\n", d).ok());
  CHECK(deliver_bytes(t.path(), "b\n", d).ok());
  Result<Delivered> third = deliver_bytes(t.path(), "c\n", d);
  CHECK(third.status().code() == Code::kOverQuota);
  CHECK(count_files(t.path() + "/new") == 2);
  // Refused at 2 of 2 messages with a multi-line file: the verdict came from a recount.
  CHECK(slurp(t.path() + "/maildirsize") == "1048576S,2C\n4 2\n");
}

TEST_CASE("what counts: everything by default; Courier's rule skips .Trash and T-flagged mail") {
  TempDir t;
  const std::string r = t.path();
  make_folder(r);
  make_folder(r + "/.Trash");
  put_file(r + "/cur/1.M1P1Q1.h:2,S", 100);
  put_file(r + "/cur/2.M1P1Q1.h:2,ST", 200);
  put_file(r + "/.Trash/cur/3.M1P1Q1.h:2,S", 400);
  Result<QuotaUsage> all = Quota(r, limit_mb(1)).recalculate();
  REQUIRE(all.ok());
  CHECK(all->bytes == 700);
  CHECK(all->count == 3);
  QuotaOptions courier = limit_mb(1);
  courier.count_trash = false;
  Result<QuotaUsage> some = Quota(r, courier).recalculate();
  REQUIRE(some.ok());
  CHECK(some->bytes == 100);
  CHECK(some->count == 1);
}

TEST_CASE("delivery with quota: refused with kOverQuota before anything reaches new/") {
  TempDir t;
  const std::string r = t.path();
  make_folder(r);
  QuotaOptions o;
  o.limit = QuotaLimit{1000, 0};
  o.grace_bytes = 1000;
  Quota q(r, o);
  DeliveryOptions d;
  d.quota = &q;
  d.policy = QuotaPolicy::kStrict;
  std::string msg(600, 'x');
  Result<Delivered> first = deliver_bytes(r, msg, d);
  REQUIRE(first.ok());
  CHECK(slurp(r + "/maildirsize") == "1000S\n0 0\n600 1\n");
  // Strict: 600 + 600 > 1000.
  CHECK(deliver_bytes(r, msg, d).status().code() == Code::kOverQuota);
  CHECK(count_files(r + "/new") == 1);
  CHECK(count_files(r + "/tmp") == 0);
  // Overshoot: 600 < 1000, so it is taken (1200, within limit + grace).
  d.policy = QuotaPolicy::kOvershoot;
  REQUIRE(deliver_bytes(r, msg, d).ok());
  CHECK(count_files(r + "/new") == 2);
  // Now at 1200 >= 1000: refused when the writer opens, before a byte is written. The file has
  // two lines, so the verdict comes from a recount (which agrees).
  Result<MessageWriter> w = MessageWriter::open(r, d);
  CHECK(w.status().code() == Code::kOverQuota);
  CHECK(count_files(r + "/tmp") == 0);
  CHECK(deliver_bytes(r, "tiny", d).status().code() == Code::kOverQuota);
  CHECK(count_files(r + "/new") == 2);
  // Expunge through update(): the negative line goes in, and mail is accepted again.
  REQUIRE(q.update(-600, -1, [&]() -> Status {
             return fs::remove(first->path) ? Status::Ok() : Status(Code::kIo, "remove");
           }).ok());
  CHECK(deliver_bytes(r, "tiny", d).ok());
  Result<QuotaUsage> u = q.usage();
  REQUIRE(u.ok());
  CHECK(u->bytes == 604);
  CHECK(u->count == 2);
}

TEST_CASE("update: a failing operation appends nothing") {
  TempDir t;
  make_folder(t.path());
  Quota q(t.path(), limit_mb(1));
  REQUIRE(q.recalculate().ok());
  Status st = q.update(100, 1, [] { return Status(Code::kNotFound, "gone"); });
  CHECK(st.code() == Code::kNotFound);
  CHECK(slurp(t.path() + "/maildirsize") == "1048576S\n0 0\n");
}

TEST_CASE("quota warning: delivered once when N% full, again only after 24 hours") {
  TempDir t;
  const std::string r = t.path();
  make_folder(r);
  QuotaOptions qo;
  qo.limit = QuotaLimit{10000, 0};
  Quota q(r, qo);
  DeliveryOptions d;
  d.quota = &q;
  d.quota_warning = QuotaWarning{90, "Subject: Your mailbox is almost full\n\nPlease clean up.\n"};
  auto warnings = [&] {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(r + "/new")) {
      if (slurp(e.path().string()).find("almost full") != std::string::npos) ++n;
    }
    return n;
  };
  Result<Delivered> a = deliver_bytes(r, std::string(8000, 'a'), d);  // 80 %: no warning
  REQUIRE(a.ok());
  CHECK(!a->quota_warned);
  CHECK(!fs::exists(r + "/quotawarn"));
  Result<Delivered> b = deliver_bytes(r, std::string(1000, 'b'), d);  // 90 %: warning
  REQUIRE(b.ok());
  CHECK(b->quota_warned);
  CHECK(warnings() == 1);
  CHECK(fs::exists(r + "/quotawarn"));
  Result<Delivered> c = deliver_bytes(r, std::string(10, 'c'), d);  // within 24 h: none
  REQUIRE(c.ok());
  CHECK(!c->quota_warned);
  CHECK(warnings() == 1);
  age_file(r + "/quotawarn", 25 * 3600);
  // The warning itself counts too; the mailbox is now over quota (overshoot refuses), so an
  // expunge makes room first.
  REQUIRE(q.update(-8000, -1, [&]() -> Status {
             return fs::remove(a->path) ? Status::Ok() : Status(Code::kIo, "remove");
           }).ok());
  Result<Delivered> e = deliver_bytes(r, std::string(8000, 'e'), d);
  REQUIRE(e.ok());
  CHECK(e->quota_warned);
  CHECK(warnings() == 2);
  CHECK(fs::is_empty(r + "/tmp"));
}
