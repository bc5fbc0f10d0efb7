// The maildrop: UIDL in Dovecot's and Courier's formats, uidlist 'P' overrides honoured,
// CRLF sizes, the per-mailbox lock ([IN-USE]) and its release, DELE+commit updates maildirsize.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pop3/maildrop.h"
#include "temp_dir.h"

using tegami::pop3::Maildrop;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string make_maildir(const TempDir& dir) {
  std::string m = dir.path() + "/alice";
  for (const char* sub : {"", "/tmp", "/new", "/cur"}) std::filesystem::create_directories(m + sub);
  write(m + "/dovecot-uidlist",
        "3 V1234 N3 G0123456789abcdef0123456789abcdef\n"
        "1 :1.M1.test\n"
        "2 P0000abcd :2.M2.test\n");
  write(m + "/new/1.M1.test", "a\nb\n");
  write(m + "/new/2.M2.test", "c\n");
  write(m + "/new/3.M3.test", "d\n\n");
  return m;
}

tegami::login::Identity identity(const std::string& maildir, tegami::config::UidlFormat f) {
  tegami::login::Identity id;
  id.address = "alice@example.com";
  id.maildir_path = maildir;
  id.quota_bytes = 10 * 1048576;
  id.uidl_format = f;
  return id;
}

}  // namespace

TEST_CASE("UIDL formats, P override and CRLF sizes") {
  TempDir dir;
  std::string m = make_maildir(dir);
  {
    auto drop = Maildrop::open(identity(m, tegami::config::UidlFormat::kDovecot));
    REQUIRE(drop.ok());
    auto& msgs = (*drop)->messages();
    REQUIRE(msgs.size() == 3);
    CHECK((*drop)->uidl(msgs[0]) == "00000001000004d2");
    CHECK((*drop)->uidl(msgs[1]) == "0000abcd");
    CHECK((*drop)->uidl(msgs[2]) == "00000003000004d2");
    CHECK(msgs[0].size == 6);
    CHECK(msgs[1].size == 3);
    CHECK(msgs[2].size == 5);
  }
  auto drop = Maildrop::open(identity(m, tegami::config::UidlFormat::kCourier));
  REQUIRE(drop.ok());
  CHECK((*drop)->uidl((*drop)->messages()[0]) == "UID1-1234");
  CHECK((*drop)->uidl((*drop)->messages()[1]) == "0000abcd");
  CHECK((*drop)->uidl((*drop)->messages()[2]) == "UID3-1234");
}

TEST_CASE("a second maildrop gets kLocked until the first is gone") {
  TempDir dir;
  std::string m = make_maildir(dir);
  auto id = identity(m, tegami::config::UidlFormat::kDovecot);
  auto first = Maildrop::open(id);
  REQUIRE(first.ok());
  auto second = Maildrop::open(id);
  CHECK(second.status().code() == maildir::Code::kLocked);
  CHECK((*first)->refresh_lock().ok());
  first = maildir::Status(maildir::Code::kIo, "dropped");
  CHECK(Maildrop::open(id).ok());
}

TEST_CASE("commit expunges the deleted messages and records it in maildirsize") {
  TempDir dir;
  std::string m = make_maildir(dir);
  auto drop = Maildrop::open(identity(m, tegami::config::UidlFormat::kDovecot));
  REQUIRE(drop.ok());
  (*drop)->messages()[0].deleted = true;
  auto n = (*drop)->commit(true);
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK_FALSE(std::filesystem::exists(m + "/new/1.M1.test"));
  std::ifstream in(m + "/maildirsize");
  std::string header, line;
  std::getline(in, header);
  CHECK(header == "10485760S");
  long bytes = 0, count = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    long b = 0, c = 0;
    ls >> b >> c;
    bytes += b;
    count += c;
  }
  CHECK(bytes == 2 + 3);
  CHECK(count == 2);
}
