// The delivery journal: record format (round trip, torn tail, bad checksum, bounded length,
// stale records of a reused segment), group commit, checkpoint, and recovery (missing file
// delivered again, torn file rewritten, a file moved to cur/ keeps its flags, torn last record
// ignored).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "delivery/journal.h"
#include "delivery/journal_record.h"
#include "maildir/maildir.h"
#include "temp_dir.h"

using namespace tegami_delivery;
namespace fs = std::filesystem;

namespace {

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write(const std::string& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<JournalTarget> kTargets = {{"/m/example.jp/alice", "1.M1P2Q3.h,S=5,W=6"},
                                             {"/m/example.jp/bob", "1.M1P2Q4.h,S=5,W=6"}};

}  // namespace

TEST_CASE("record round trip") {
  std::string seg = encode_journal_header(42) + encode_journal_record(42, kTargets, "hi\nyo") +
                    encode_journal_record(42, {kTargets[1]}, std::string(70000, 'x'));
  std::string why;
  auto recs = decode_journal_segment(seg, 1 << 20, why);
  CHECK(why.empty());
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].targets == kTargets);
  CHECK(recs[0].message == "hi\nyo");
  CHECK(recs[1].targets.size() == 1);
  CHECK(recs[1].message == std::string(70000, 'x'));
}

TEST_CASE("a torn last record is dropped, the ones before it kept (every cut point)") {
  std::string head = encode_journal_header(7) + encode_journal_record(7, kTargets, "first");
  std::string last = encode_journal_record(7, kTargets, "second message");
  for (std::size_t cut = 0; cut < last.size(); ++cut) {
    std::string why;
    auto recs = decode_journal_segment(head + last.substr(0, cut), 1 << 20, why);
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].message == "first");
    if (cut > 0) CHECK(!why.empty());
  }
  // Zeros after the last record (preallocated space) are a clean end.
  std::string why;
  CHECK(decode_journal_segment(head + std::string(4096, '\0'), 1 << 20, why).size() == 1);
  CHECK(why.empty());
}

TEST_CASE("a flipped byte anywhere in a record ends the segment there") {
  std::string first = encode_journal_record(9, kTargets, "one");
  std::string second = encode_journal_record(9, kTargets, "two");
  for (std::size_t i = 0; i < second.size(); ++i) {
    std::string bad = second;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    std::string why;
    auto recs = decode_journal_segment(encode_journal_header(9) + first + bad, 1 << 20, why);
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].message == "one");
    // A flipped segment id reads as a stale record (a clean end); anything else is reported.
    if (i < 12 || i >= kRecordHeaderSize) CHECK(!why.empty());
  }
}

TEST_CASE("a record over the length limit is not read; stale records of another id end it") {
  std::string rec = encode_journal_record(5, kTargets, std::string(5000, 'a'));
  auto scan = scan_journal_record(rec, 5, 1000);
  CHECK(scan.kind == RecordScan::Kind::kEnd);
  CHECK(scan.why.find("limit") != std::string::npos);
  // A huge length in a short buffer asks for at most the limit, never more.
  std::string huge = rec.substr(0, kRecordHeaderSize);
  huge[4] = huge[5] = huge[6] = huge[7] = '\xff';
  CHECK(scan_journal_record(huge, 5, 1 << 20).kind == RecordScan::Kind::kEnd);
  // A reused segment: the header has a new id, the old records after it are stale.
  std::string why;
  auto recs = decode_journal_segment(encode_journal_header(6) + rec, 1 << 20, why);
  CHECK(recs.empty());
  CHECK(why.empty());  // the normal state of a reused segment: a clean end
}

TEST_CASE("group commit: concurrent commits share fdatasyncs; checkpoint removes the segment") {
  TempDir tmp;
  JournalOptions o;
  o.dir = tmp.path() + "/journal";
  o.interval = std::chrono::hours(1);  // checkpoints only when asked
  o.preallocate_bytes = 64 << 10;
  auto j = Journal::open(o);
  REQUIRE(j.ok());
  constexpr int kThreads = 8, kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto p = (*j)->commit({{tmp.path(), "n" + std::to_string(t) + "." + std::to_string(i)}},
                              std::string(4096, 'm'));
        if (p.ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == kThreads * kEach);
  CHECK((*j)->records() == kThreads * kEach);
  CHECK((*j)->syncs() < static_cast<std::uint64_t>(kThreads * kEach));  // shared
  MESSAGE("fdatasyncs for 160 commits: " << (*j)->syncs());
  // The segment holds every record until the checkpoint.
  auto segs = names_in(o.dir);
  REQUIRE(segs.size() == 1);
  std::string why;
  CHECK(decode_journal_segment(read(o.dir + "/" + segs[0]), 1 << 20, why).size() ==
        static_cast<std::size_t>(kThreads * kEach));
  REQUIRE((*j)->checkpoint().ok());
  CHECK((*j)->checkpoints() == 1);
  // The fresh active one and the retired one kept as a spare: neither holds a record now.
  segs = names_in(o.dir);
  REQUIRE(segs.size() == 2);
  for (const std::string& s : segs) {
    CHECK(decode_journal_segment(read(o.dir + "/" + s), 1 << 20, why).empty());
  }
  // The spare is reused by the next checkpoint: records go into it again, and still only
  // the new ones are read back.
  REQUIRE((*j)->commit(kTargets, "after").ok());
  REQUIRE((*j)->checkpoint().ok());
  REQUIRE((*j)->commit(kTargets, "again").ok());
  CHECK(names_in(o.dir).size() == 2);
  std::size_t live = 0;
  for (const std::string& s : names_in(o.dir)) {
    auto recs = decode_journal_segment(read(o.dir + "/" + s), 1 << 20, why);
    live += recs.size();
    if (!recs.empty()) CHECK(recs[0].message == "again");
  }
  CHECK(live == 1);
  (*j)->close();
  CHECK(names_in(o.dir).empty());
  CHECK(!(*j)->commit(kTargets, "x").ok());
}

TEST_CASE("checkpoint waits for the deliveries that have not written their files") {
  TempDir tmp;
  JournalOptions o;
  o.dir = tmp.path() + "/journal";
  o.interval = std::chrono::hours(1);
  o.preallocate_bytes = 64 << 10;
  auto j = Journal::open(o);
  REQUIRE(j.ok());
  auto p = (*j)->commit(kTargets, "x");
  REQUIRE(p.ok());
  std::atomic<bool> done{false};
  std::thread cp([&] {
    (void)(*j)->checkpoint();
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(!done);
  CHECK(names_in(o.dir).size() == 2);  // old (pending) + new
  p->reset();
  cp.join();
  CHECK(done);
  std::string why;
  for (const std::string& s : names_in(o.dir)) {
    CHECK(decode_journal_segment(read(o.dir + "/" + s), 1 << 20, why).empty());
  }
}

TEST_CASE("recovery: missing file delivered again, torn rewritten, cur/ flags kept, torn tail") {
  TempDir tmp;
  const std::string box = tmp.path() + "/alice";
  REQUIRE(maildir::Maildir::create(box).ok());
  const std::string other = tmp.path() + "/bob";
  REQUIRE(maildir::Maildir::create(other).ok());
  const std::string jdir = tmp.path() + "/journal";
  fs::create_directory(jdir);
  const std::string m1 = "Subject: one\n\nbody one\n";
  const std::string m2 = "Subject: two\n\nbody two\n";
  const std::string m3 = "Subject: three\n\nbody three\n";
  const std::string m4 = "Subject: four\n\nnever acknowledged\n";
  // m1: to alice (missing: lost page cache) and bob (intact).
  // m2: to alice, the file is there but torn (zeros).
  // m3: to alice, moved to cur/ with flags by a client, torn.
  // m4: the last record, torn: ignored.
  std::string seg = encode_journal_header(1) +
                    encode_journal_record(1, {{box, "1.A,S=23"}, {other, "1.B,S=23"}}, m1) +
                    encode_journal_record(1, {{box, "2.A,S=23"}}, m2) +
                    encode_journal_record(1, {{box, "3.A,S=27"}}, m3);
  std::string torn = encode_journal_record(1, {{box, "4.A"}}, m4);
  seg += torn.substr(0, torn.size() - 3);
  write(jdir + "/seg1", seg);
  write(other + "/new/1.B,S=23", m1);
  write(box + "/new/2.A,S=23", std::string(m2.size(), '\0'));
  write(box + "/cur/3.A,S=27:2,FS", m3.substr(0, 5));

  JournalRecovery r = recover_journal(jdir, 1 << 20);
  CHECK(r.segments == 1);
  CHECK(r.records == 3);
  CHECK(r.redelivered == 1);
  CHECK(r.rewritten == 2);
  CHECK(r.intact == 1);
  CHECK(r.kept == 0);
  CHECK(read(box + "/new/1.A,S=23") == m1);
  CHECK(read(other + "/new/1.B,S=23") == m1);
  CHECK(read(box + "/new/2.A,S=23") == m2);
  CHECK(read(box + "/cur/3.A,S=27:2,FS") == m3);
  CHECK(!fs::exists(box + "/new/3.A,S=27"));
  CHECK(!fs::exists(box + "/new/4.A"));
  CHECK(names_in(box + "/new") == std::vector<std::string>{"1.A,S=23", "2.A,S=23"});
  CHECK(names_in(box + "/tmp").empty());
  CHECK(names_in(jdir).empty());
  // A second run finds nothing to do.
  JournalRecovery again = recover_journal(jdir, 1 << 20);
  CHECK(again.segments == 0);
}

TEST_CASE("recovery skips a mailbox that is gone and leaves a live process's segment alone") {
  TempDir tmp;
  const std::string jdir = tmp.path() + "/journal";
  JournalOptions o;
  o.dir = jdir;
  o.interval = std::chrono::hours(1);
  o.preallocate_bytes = 64 << 10;
  auto j = Journal::open(o);
  REQUIRE(j.ok());
  REQUIRE((*j)->commit({{tmp.path() + "/gone", "1.X"}}, "x").ok());
  JournalRecovery live = recover_journal(jdir, 1 << 20);
  CHECK(live.skipped_live == 1);
  CHECK(live.records == 0);
  CHECK(names_in(jdir).size() == 1);
  // The process "crashes" (its segment stays, its lock goes with it).
  std::string seg = read(jdir + "/" + names_in(jdir)[0]);
  (*j)->close();
  write(jdir + "/crashed", seg);
  JournalRecovery r = recover_journal(jdir, 1 << 20);
  CHECK(r.records == 1);
  CHECK(r.gone == 1);
  CHECK(names_in(jdir).empty());
}
