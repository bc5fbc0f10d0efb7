// deliver_local: durable copies with trace headers, hard links for several recipients, quota
// per mailbox and policy, quota warnings.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "auth/sasl.h"
#include "config_fixture.h"
#include "delivery/local_delivery.h"
#include "delivery/quota_warning.h"
#include "maildir/quota.h"
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

TEST_CASE("one recipient: its file has Return-Path and Delivered-To") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  LocalMailbox bob = mailbox(c, "bob@example.jp");
  std::string msg = "Subject: hi\r\n\r\nline one\r\n.dot kept\r\n";
  auto res = deliver_local(msg, "sender@remote.example", "Received: x\r\n", {bob}, kMax);
  REQUIRE(res.size() == 1);
  CHECK(res[0].ok());
  auto files = files_in(bob.maildir + "/new");
  REQUIRE(files.size() == 1);
  CHECK(read(files[0]) ==
        "Return-Path: <sender@remote.example>\nDelivered-To: bob@example.jp\nReceived: "
        "x\nSubject: hi\n\nline one\n.dot kept\n");
  CHECK(files_in(bob.maildir + "/tmp").empty());
}

TEST_CASE("several recipients: one file hard-linked into each new/, each quota charged") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  // alice (1 MB) and carol (1 MB, another domain) have quotas, bob has none.
  std::vector<LocalMailbox> boxes = {mailbox(c, "alice@example.jp"), mailbox(c, "bob@example.jp"),
                                     mailbox(c, "carol@strict.example")};
  std::string msg = "Subject: hi\r\n\r\nbody\r\n";
  auto res = deliver_local(msg, "sender@remote.example", "Received: x\r\n", boxes, kMax);
  REQUIRE(res.size() == 3);
  std::set<ino_t> inodes;
  for (size_t i = 0; i < boxes.size(); ++i) {
    CHECK(res[i].ok());
    auto files = files_in(boxes[i].maildir + "/new");
    REQUIRE(files.size() == 1);
    // No per-recipient header: the same bytes serve everyone.
    CHECK(read(files[0]) ==
          "Return-Path: <sender@remote.example>\nReceived: x\nSubject: "
          "hi\n\nbody\n");
    struct stat st {};
    REQUIRE(::stat(files[0].c_str(), &st) == 0);
    CHECK(st.st_nlink == 3);
    inodes.insert(st.st_ino);
  }
  CHECK(inodes.size() == 1);
  const std::uint64_t size = fs::file_size(files_in(boxes[0].maildir + "/new")[0]);
  for (const auto& b : {boxes[0], boxes[2]}) {
    auto ms = maildir::parse_maildirsize(read(b.maildir + "/maildirsize"));
    CHECK(ms.bytes == static_cast<std::int64_t>(size));
    CHECK(ms.count == 1);
  }
}

TEST_CASE("several recipients: a Maildir never made yet is made and gets its copy") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  std::vector<LocalMailbox> boxes = {mailbox(c, "alice@example.jp"), mailbox(c, "bob@example.jp")};
  REQUIRE(deliver_local("Subject: a\r\n\r\n", "s@r.example", "", {boxes[0]}, kMax)[0].ok());
  REQUIRE_FALSE(fs::exists(boxes[1].maildir));
  auto res = deliver_local("Subject: b\r\n\r\n", "s@r.example", "", boxes, kMax);
  CHECK(res[0].ok());
  CHECK(res[1].ok());
  CHECK(files_in(boxes[1].maildir + "/new").size() == 1);
}

TEST_CASE("quota warning: crossing the plan's percentage puts one warning into INBOX per day") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  LocalMailbox alice = mailbox(c, "alice@example.jp");  // 1 MB, standard plan: warns at 90 %
  CHECK(alice.quota_warning_percent == 90);
  std::string small = "Subject: small\r\n\r\n" + std::string(500000, 'x') + "\r\n";
  REQUIRE(deliver_local(small, "s@r.example", "", {alice}, kMax, "mx.example.jp")[0].ok());
  CHECK(files_in(alice.maildir + "/new").size() == 1);  // 48 %: no warning
  CHECK_FALSE(fs::exists(alice.maildir + "/quotawarn"));
  std::string more = "Subject: more\r\n\r\n" + std::string(460000, 'y') + "\r\n";
  REQUIRE(deliver_local(more, "s@r.example", "", {alice}, kMax, "mx.example.jp")[0].ok());
  auto files = files_in(alice.maildir + "/new");
  REQUIRE(files.size() == 3);  // two messages and the warning
  CHECK(fs::exists(alice.maildir + "/quotawarn"));
  std::string warning;
  for (const auto& f : files)
    if (fs::file_size(f) < 10000) warning = read(f);
  CHECK(warning.find("From: Mail Delivery System <MAILER-DAEMON@mx.example.jp>\n") !=
        std::string::npos);
  CHECK(warning.find("To: <alice@example.jp>\n") != std::string::npos);
  CHECK(warning.find("Content-Language: ja\n") != std::string::npos);
  CHECK(warning.find("more than 90% full (its quota is 1 MB)") != std::string::npos);
  // Still over 90 % on the next delivery: no second warning within 24 h.
  REQUIRE(deliver_local("Subject: x\r\n\r\n", "s@r.example", "", {alice}, kMax)[0].ok());
  CHECK(files_in(alice.maildir + "/new").size() == 4);
}

TEST_CASE("quota warning: 0 in the plan means none") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  LocalMailbox alice = mailbox(c, "alice@example.jp");
  alice.quota_warning_percent = 0;
  std::string big = "Subject: big\r\n\r\n" + std::string(1000000, 'x') + "\r\n";
  REQUIRE(deliver_local(big, "s@r.example", "", {alice}, kMax)[0].ok());
  CHECK(files_in(alice.maildir + "/new").size() == 1);
  CHECK_FALSE(fs::exists(alice.maildir + "/quotawarn"));
}

TEST_CASE("quota warning message: MIME, English and Japanese") {
  QuotaWarningText t{"alice@example.jp", "mx.example.jp", 50, 90, 0};
  std::string m = quota_warning_message(t);
  CHECK(m.find("MIME-Version: 1.0\r\n") != std::string::npos);
  CHECK(m.find("Content-Type: multipart/mixed; boundary=\"") != std::string::npos);
  CHECK(m.find("Auto-Submitted: auto-generated\r\n") != std::string::npos);
  CHECK(m.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n") != std::string::npos);
  CHECK(m.find("Subject: Warning: your mailbox is over 90% full\r\n =?UTF-8?B?") !=
        std::string::npos);
  // The Japanese part is base64 of UTF-8 text naming the quota.
  size_t ja = m.find("Content-Language: ja\r\nContent-Transfer-Encoding: base64\r\n\r\n");
  REQUIRE(ja != std::string::npos);
  size_t start = m.find("\r\n\r\n", ja) + 4;
  std::string b64;
  for (char ch : m.substr(start, m.find("\r\n--", start) - start))
    if (ch != '\r' && ch != '\n') b64 += ch;
  auto text = tegami_auth::base64_decode_strict(b64, 10000);
  REQUIRE(text.has_value());
  CHECK(text->find("容量(50 MB)の90%を超えました") != std::string::npos);
  CHECK(m.size() > 0);
  CHECK(m.compare(m.size() - 4, 4, "--\r\n") == 0);
  // Every line ends with CRLF; no line is over 998 bytes (RFC 5322 §2.1.1).
  size_t pos = 0;
  while (pos < m.size()) {
    size_t eol = m.find("\r\n", pos);
    REQUIRE(eol != std::string::npos);
    CHECK(eol - pos <= 998);
    CHECK(m.substr(pos, eol - pos).find('\n') == std::string::npos);
    pos = eol + 2;
  }
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
  // The big message and the quota warning (its plan warns from 90 %).
  CHECK(files_in(alice.maildir + "/new").size() == 2);
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

TEST_CASE("many recipients: links made by several threads, results in recipient order") {
  TempDir tmp;
  auto c = make_config(tmp.path());
  // 40 mailboxes (enough for several link threads); the 8th and 30th are full (strict, 1 MB).
  std::vector<LocalMailbox> boxes;
  for (int i = 0; i < 40; ++i) {
    LocalMailbox m = mailbox(c, "bob@example.jp");
    m.address = "u" + std::to_string(i) + "@example.jp";
    m.maildir = tmp.path() + "/many/u" + std::to_string(i);
    if (i == 7 || i == 29) {
      m.quota_mb = 1;
      m.policy = tegami::config::QuotaPolicy::kStrict;
    }
    boxes.push_back(m);
  }
  std::string big = "Subject: big\r\n\r\n" + std::string(1200000, 'x') + "\r\n";
  auto res = deliver_local(big, "s@r.example", "", boxes, kMax);
  REQUIRE(res.size() == boxes.size());
  std::set<ino_t> inodes;
  for (size_t i = 0; i < boxes.size(); ++i) {
    CAPTURE(i);
    auto files = files_in(boxes[i].maildir + "/new");
    if (i == 7 || i == 29) {
      CHECK(res[i].code() == maildir::Code::kOverQuota);
      CHECK(files.empty());
      continue;
    }
    CHECK(res[i].ok());
    REQUIRE(files.size() == 1);
    struct stat st {};
    REQUIRE(::stat(files[0].c_str(), &st) == 0);
    CHECK(st.st_nlink == 38);
    inodes.insert(st.st_ino);
  }
  CHECK(inodes.size() == 1);  // one copy on disk
}

TEST_CASE("reply mapping") {
  CHECK(reply_for(maildir::Status(maildir::Code::kLimit, "x")).enhanced == "5.3.4");
  CHECK(reply_for(maildir::Status(maildir::Code::kNoSpace, "x")).code == 452);
  CHECK(reply_for(maildir::Status(maildir::Code::kIo, "x")).code == 451);
}
