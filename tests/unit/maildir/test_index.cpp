// tegami-index: the format round-trips, damage is detected, and the cache is never needed.
#include "maildir/index.h"

#include <doctest/doctest.h>

#include <cstring>
#include <map>

#include "mailbox_test_util.h"
#include "maildir/mailbox.h"

using namespace maildir;
using namespace mbtest;

namespace {

IndexData sample() {
  IndexData d;
  d.uidvalidity = 1700000000;
  d.uidnext = 10;
  d.guid = "0123456789abcdef0123456789abcdef";
  d.new_dir.stamp = DirStamp{1, 2, 3, 4, 5, true};
  d.new_dir.stable = true;
  d.cur_dir.stamp = DirStamp{6, 7, 8, 9, 10, true};
  d.uidlist.stamp = DirStamp{};
  const char* names[] = {"1.a.host:2,S", "2.b.host,S=5", "3.c.host:2,Fab"};
  std::uint32_t uid = 3;
  for (const char* n : names) {
    MessageRecord r;
    r.uid = uid;
    uid += 2;
    r.name_off = static_cast<std::uint32_t>(d.names.size());
    r.name_len = static_cast<std::uint8_t>(std::strlen(n));
    r.base_len = static_cast<std::uint8_t>(base_name(n).size());
    r.size = 5;
    r.mtime = 1600000000;
    r.dir = std::strchr(n, ':') ? MessageDir::kCur : MessageDir::kNew;
    d.names += n;
    d.records.push_back(r);
  }
  return d;
}

std::map<std::string, std::uint32_t> uids_by_base(const Mailbox& m) {
  std::map<std::string, std::uint32_t> out;
  for (size_t i = 0; i < m.count(); ++i) out[std::string(m.base_name(i))] = m.record(i).uid;
  return out;
}

}  // namespace

TEST_CASE("encode and decode round-trip") {
  IndexData d = sample();
  std::string bytes = encode_index(d);
  Result<IndexData> back = decode_index(bytes);
  REQUIRE_MESSAGE(back.ok(), back.status().to_string());
  CHECK(back->uidvalidity == d.uidvalidity);
  CHECK(back->uidnext == d.uidnext);
  CHECK(back->guid == d.guid);
  CHECK(back->new_dir == d.new_dir);
  CHECK(back->cur_dir == d.cur_dir);
  CHECK(back->uidlist == d.uidlist);
  CHECK(back->names == d.names);
  REQUIRE(back->records.size() == 3);
  CHECK(back->records[2].uid == 7);
  CHECK(std::memcmp(back->records.data(), d.records.data(), 3 * sizeof(MessageRecord)) == 0);
}

TEST_CASE("every truncation and every flipped byte is detected") {
  std::string bytes = encode_index(sample());
  for (size_t len = 0; len < bytes.size(); ++len) {
    Result<IndexData> r = decode_index(std::string_view(bytes).substr(0, len));
    REQUIRE_MESSAGE(!r.ok(), "truncated to ", len);
    CHECK(r.status().code() == Code::kCorrupt);
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    REQUIRE_MESSAGE(!decode_index(bad).ok(), "flipped byte ", i);
  }
}

TEST_CASE("a well-formed index with dangerous content is refused") {
  SUBCASE("a name with a slash") {
    IndexData d = sample();
    d.names[0] = '/';
    CHECK(decode_index(encode_index(d)).status().code() == Code::kCorrupt);
  }
  SUBCASE("a name out of the pool") {
    IndexData d = sample();
    d.records[1].name_off = 1000;
    CHECK(!decode_index(encode_index(d)).ok());
  }
  SUBCASE("UIDs out of order") {
    IndexData d = sample();
    std::swap(d.records[0].uid, d.records[1].uid);
    CHECK(!decode_index(encode_index(d)).ok());
  }
  SUBCASE("a UID at UIDNEXT") {
    IndexData d = sample();
    d.uidnext = 7;
    CHECK(!decode_index(encode_index(d)).ok());
  }
  SUBCASE("a base length that cuts inside the base") {
    IndexData d = sample();
    d.records[0].base_len = 3;
    CHECK(!decode_index(encode_index(d)).ok());
  }
}

TEST_CASE("deleting tegami-index loses nothing") {
  TempDir t;
  make_folder(t.path());
  for (int i = 0; i < 30; ++i)
    write_file(t.path() + "/cur/" + std::to_string(100 + i) + ".i.host:2,S", "m\n");
  std::map<std::string, std::uint32_t> before;
  std::uint32_t uv = 0;
  {
    Result<Mailbox> m = Mailbox::open(t.path());
    REQUIRE(m.ok());
    before = uids_by_base(*m);
    uv = m->uid_validity();
  }
  REQUIRE(exists(t.path() + "/tegami-index"));
  REQUIRE(::unlink((t.path() + "/tegami-index").c_str()) == 0);
  Result<Mailbox> m = Mailbox::open(t.path());
  REQUIRE(m.ok());
  CHECK(uids_by_base(*m) == before);
  CHECK(m->uid_validity() == uv);
  CHECK(exists(t.path() + "/tegami-index"));  // rebuilt
}

TEST_CASE("a truncated or corrupt tegami-index is ignored and rebuilt") {
  TempDir t;
  make_folder(t.path());
  for (int i = 0; i < 30; ++i)
    write_file(t.path() + "/cur/" + std::to_string(100 + i) + ".i.host:2,", "m\n");
  std::map<std::string, std::uint32_t> before;
  {
    Result<Mailbox> m = Mailbox::open(t.path());
    REQUIRE(m.ok());
    before = uids_by_base(*m);
  }
  const std::string path = t.path() + "/tegami-index";
  const std::string good = read_file(path);
  SUBCASE("truncated") {
    write_file(path, good.substr(0, good.size() / 2));
  }
  SUBCASE("a flipped byte in a record") {
    std::string bad = good;
    bad[230] = static_cast<char>(bad[230] ^ 1);
    write_file(path, bad);
  }
  SUBCASE("garbage") {
    write_file(path, "not an index at all");
  }
  SUBCASE("empty") {
    write_file(path, "");
  }
  REQUIRE(!read_index(t.path()).ok());
  Result<Mailbox> m = Mailbox::open(t.path());
  REQUIRE(m.ok());
  CHECK(uids_by_base(*m) == before);
  CHECK(!m->last_sync_from_cache());
  Result<IndexData> rebuilt = read_index(t.path());
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt->records.size() == 30);
}

TEST_CASE("a cache from an older state is corrected by the scan, reusing unchanged records") {
  TempDir t;
  make_folder(t.path());
  write_file(t.path() + "/cur/1.a.host:2,", "m\n");
  write_file(t.path() + "/cur/2.b.host:2,", "m\n");
  { REQUIRE(Mailbox::open(t.path()).ok()); }
  const std::string old_cache = read_file(t.path() + "/tegami-index");
  // Outside changes, then the old cache is put back (as a restore of the folder would).
  REQUIRE(::rename((t.path() + "/cur/1.a.host:2,").c_str(),
                   (t.path() + "/cur/1.a.host:2,T").c_str()) == 0);
  REQUIRE(::unlink((t.path() + "/cur/2.b.host:2,").c_str()) == 0);
  write_file(t.path() + "/new/3.c.host", "m\n");
  write_file(t.path() + "/tegami-index", old_cache);
  Result<Mailbox> m = Mailbox::open(t.path());
  REQUIRE(m.ok());
  REQUIRE(m->count() == 2);
  CHECK(m->base_name(0) == "1.a.host");
  CHECK(m->flags(0).has(kFlagTrashed));
  CHECK(m->base_name(1) == "3.c.host");
  CHECK(m->record(1).uid == 3);
}
