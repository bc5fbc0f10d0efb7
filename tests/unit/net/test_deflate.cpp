// DeflateStream / InflateStream (COMPRESS=DEFLATE): round trips, a flush makes everything
// decodable, inflate output bounded per call (decompression bomb), corrupt input refused.
#include <doctest/doctest.h>

#include <string>

#include "net/deflate.h"

using net::DeflateStream;
using net::InflateStream;

namespace {

std::string inflate_all(InflateStream& in, std::string compressed) {
  std::string out;
  while (!compressed.empty()) {
    auto r = in.read(compressed, out, 1 << 20);
    REQUIRE(r.ok());
    if (r.value() == 0) break;
  }
  return out;
}

}  // namespace

TEST_CASE("round trip in bursts: each flushed burst decodes completely on its own") {
  auto d = DeflateStream::create();
  auto i = InflateStream::create();
  REQUIRE(d.ok());
  REQUIRE(i.ok());
  std::string plain_total;
  for (int burst = 0; burst < 50; ++burst) {
    std::string wire;
    std::string plain = "* " + std::to_string(burst) + " FETCH (FLAGS (\\Seen))\r\n";
    plain += "a" + std::to_string(burst) + " OK Fetch completed.\r\n";
    d.value()->write(plain, wire);
    CHECK(d.value()->needs_flush());
    d.value()->flush(wire);
    CHECK_FALSE(d.value()->needs_flush());
    CHECK(wire.size() >= 4);
    CHECK(wire.substr(wire.size() - 4) == std::string("\0\0\xff\xff", 4));  // sync marker
    CHECK(inflate_all(*i.value(), wire) == plain);
  }
  std::string none;
  d.value()->flush(none);  // nothing written: no empty flush block
  CHECK(none.empty());
}

TEST_CASE("large input compresses and survives a byte-at-a-time inflate") {
  auto d = DeflateStream::create();
  auto i = InflateStream::create();
  std::string plain;
  for (int n = 0; n < 5000; ++n) plain += "Line " + std::to_string(n) + " of the report\r\n";
  std::string wire;
  d.value()->write(plain, wire);
  d.value()->flush(wire);
  CHECK(wire.size() < plain.size() / 4);
  std::string out, pending;
  for (char ch : wire) {
    pending.push_back(ch);
    auto r = i.value()->read(pending, out, 1 << 20);
    REQUIRE(r.ok());
  }
  CHECK(out == plain);
  CHECK(d.value()->bytes_in() == plain.size());
}

TEST_CASE("inflate output is bounded per call; the rest stays compressed") {
  auto d = DeflateStream::create();
  std::string bomb(8 << 20, 'A');
  std::string wire;
  d.value()->write(bomb, wire);
  d.value()->flush(wire);
  CHECK(wire.size() < 64 * 1024);
  auto i = InflateStream::create();
  std::string out;
  auto r = i.value()->read(wire, out, 100000);
  REQUIRE(r.ok());
  CHECK(r.value() == 100000);
  CHECK(out.size() == 100000);
  CHECK_FALSE(wire.empty());
  size_t total = out.size();
  while (!wire.empty()) {
    out.clear();
    auto more = i.value()->read(wire, out, 1 << 20);
    REQUIRE(more.ok());
    CHECK(out.size() <= (1u << 20));
    total += out.size();
    if (more.value() == 0) break;
  }
  CHECK(total == bomb.size());
}

TEST_CASE("data that is not raw deflate is refused") {
  auto i = InflateStream::create();
  std::string junk = "\xff\xff\xff\xff not deflate";
  std::string out;
  auto r = i.value()->read(junk, out, 4096);
  CHECK_FALSE(r.ok());
  CHECK(r.status().code() == maildir::Code::kCorrupt);
}

TEST_CASE("a zlib-wrapped stream (not raw) is refused") {
  // 0x78 0x9c is a zlib header: RFC 4978 requires raw deflate.
  std::string z("\x78\x9c\xcb\x48\xcd\xc9\xc9\x07\x00\x06\x2c\x02\x15", 13);
  auto i = InflateStream::create();
  std::string out;
  auto r = i.value()->read(z, out, 4096);
  CHECK_FALSE(r.ok());
}
