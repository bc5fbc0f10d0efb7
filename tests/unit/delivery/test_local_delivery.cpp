// deliver_local: durable copies with trace headers, quota per mailbox and policy.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config_fixture.h"
#include "delivery/local_delivery.h"
#include "smtp/command.h"
#include "temp_dir.h"

using namespace tegami_delivery;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().string());
  return out;
}

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

LocalMailbox mailbox(const tegami::config::Config& c, std::string_view addr) {
  auto r = tegami_smtp::parse_command("RCPT TO:<" + std::string(addr) + ">");
  auto v = resolve_recipient(c, std::get<tegami_smtp::Command>(r).path);
  REQUIRE(v.kind == RcptVerdict::Kind::kLocal);
  return v.mailboxes.at(0);
}

constexpr std::uint64_t kMax = 20971520;

}  // namespace

TEST_CASE("received header shape and date") {
  TraceInfo t{"client.example", "192.0.2.7", "mx.example.jp", "ESMTPS", "abc123", "TLSv1.3"};
  std::string h = received_header(t, "bob@example.jp", 0);
  CHECK(h ==
        "Received: from client.example ([192.0.2.7])\r\n\tby mx.example.jp (tegami) with ESMTPS "
        "(TLSv1.3) id abc123\r\n\tfor <bob@example.jp>;\r\n\tThu, 01 Jan 1970 00:00:00 +0000\r\n");
  CHECK(received_header(t, "", 0).find("for <") == std::string::npos);
}

TEST_CASE("each recipient gets a durable copy with Return-Path and its own Delivered-To") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  std::vector<LocalMailbox> boxes = {mailbox(c, "alice@example.jp"), mailbox(c, "bob@example.jp")};
  std::string msg = "Subject: hi\r\n\r\nline one\r\n.dot kept\r\n";
  auto res = deliver_local(msg, "sender@remote.example", "Received: x\r\n", boxes, kMax);
  REQUIRE(res.size() == 2);
  CHECK(res[0].ok());
  CHECK(res[1].ok());
  for (const auto& b : boxes) {
    auto files = files_in(b.maildir + "/new");
    REQUIRE(files.size() == 1);
    CHECK(read(files[0]) == "Return-Path: <sender@remote.example>\nDelivered-To: " + b.address +
                                "\nReceived: x\nSubject: hi\n\nline one\n.dot kept\n");
    CHECK(files_in(b.maildir + "/tmp").empty());
  }
  // alice has a quota: her maildirsize was charged.
  CHECK(fs::exists(boxes[0].maildir + "/maildirsize"));
}

TEST_CASE("overshoot: under quota takes one more, then the mailbox refuses") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  LocalMailbox alice = mailbox(c, "alice@example.jp");  // 1 MB, overshoot (standard plan)
  CHECK(check_mailbox_open(alice, kMax).ok());          // not even created yet
  std::string big = "Subject: big\r\n\r\n" + std::string(1200000, 'x') + "\r\n";
  auto first = deliver_local(big, "s@r.example", "", {alice}, kMax);
  CHECK(first[0].ok());  // takes it over 1 MB
  auto at_rcpt = check_mailbox_open(alice, kMax);
  CHECK(at_rcpt.code() == maildir::Code::kOverQuota);
  CHECK(reply_for(at_rcpt).code == 552);
  CHECK(reply_for(at_rcpt).enhanced == "5.2.2");
  auto second = deliver_local("Subject: small\r\n\r\nx\r\n", "s@r.example", "", {alice}, kMax);
  CHECK(second[0].code() == maildir::Code::kOverQuota);
  CHECK(files_in(alice.maildir + "/new").size() == 1);
  CHECK(files_in(alice.maildir + "/tmp").empty());
}

TEST_CASE("strict plan refuses a message that does not fit, the other recipient still gets it") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  LocalMailbox carol = mailbox(c, "carol@strict.example");  // 1 MB strict
  LocalMailbox bob = mailbox(c, "bob@example.jp");          // unlimited
  std::string big = "Subject: big\r\n\r\n" + std::string(1200000, 'x') + "\r\n";
  auto res = deliver_local(big, "s@r.example", "", {carol, bob}, kMax);
  CHECK(res[0].code() == maildir::Code::kOverQuota);
  CHECK(res[1].ok());
  CHECK(files_in(carol.maildir + "/new").empty());
  CHECK(files_in(bob.maildir + "/new").size() == 1);
}

TEST_CASE("reply mapping") {
  CHECK(reply_for(maildir::Status(maildir::Code::kLimit, "x")).enhanced == "5.3.4");
  CHECK(reply_for(maildir::Status(maildir::Code::kNoSpace, "x")).code == 452);
  CHECK(reply_for(maildir::Status(maildir::Code::kIo, "x")).code == 451);
}
