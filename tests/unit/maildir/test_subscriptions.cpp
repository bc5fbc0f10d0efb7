// Subscriptions: Dovecot's `subscriptions` (v2 written, v1 read), Courier's file read,
// durable replace, concurrent subscribers.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "maildir/maildir.h"
#include "maildir/subscriptions.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using maildir::Code;
using maildir::NameEncoding;
using maildir::Subscriptions;

namespace {

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += s + "\n";
  return out;
}

std::string make_maildir(const TempDir& t) {
  std::string root = t.path() + "/Maildir";
  REQUIRE(maildir::Maildir::create(root).ok());
  return root;
}

}  // namespace

TEST_CASE("reads the file Dovecot 2.3 wrote") {
  // Byte for byte what Dovecot 2.3.19 wrote after SUBSCRIBE "&Tgtm+DBN-", Work/2024, inbox,
  // "R&-D" (separator '/', Maildir++ layout, default modified UTF-7 storage names).
  std::string dovecot = "V\t2\n\n&Tgtm+DBN-\nWork\t2024\nINBOX\nR&-D\n";
  Subscriptions subs = Subscriptions::parse_dovecot(dovecot);
  CHECK(joined(subs.names()) == "INBOX\nR&D\nWork/2024\n下書き\n");
  CHECK(subs.contains("下書き"));
  CHECK(subs.contains("inbox"));
  CHECK_FALSE(subs.contains("Work"));
  // Written back in the same form (sorted).
  CHECK(subs.serialize() == "V\t2\n\nINBOX\nR&-D\nWork\t2024\n&Tgtm+DBN-\n");
  CHECK(subs.serialize(NameEncoding::kUtf8) == "V\t2\n\nINBOX\nR&D\nWork\t2024\n下書き\n");
  CHECK(joined(Subscriptions::parse_dovecot("V\t2\n\n下書き\n", NameEncoding::kUtf8).names()) ==
        "下書き\n");
}

TEST_CASE("reads version 1 and Courier's courierimapsubscribed") {
  Subscriptions v1 = Subscriptions::parse_dovecot("Sent\nWork.2024\n&Tgtm+DBN-\nA/B\n");
  CHECK(joined(v1.names()) == "A/B\nSent\nWork/2024\n下書き\n");
  Subscriptions courier = Subscriptions::parse_courier(
      "INBOX\nINBOX.Sent\nINBOX.Work.2024\nINBOX.&kAFP4W4IMH8-\n"
      "INBOX.送信済み\nOther.Namespace\nINBOX.R&D\n");
  CHECK(joined(courier.names()) == "INBOX\nR&D\nSent\nWork/2024\n送信済み\n");
}

TEST_CASE("invalid lines are dropped, never passed on") {
  Subscriptions subs = Subscriptions::parse_dovecot(
      "V\t2\n\nok\n..\n\t\nx\t\t\n~root\n&AC4ALg-\nbad\x01\x31name\na\x01tb\ntmp\n\xff\n");
  CHECK(joined(subs.names()) == "ok\n");
  Subscriptions courier = Subscriptions::parse_courier("INBOX..\nINBOX.a..b\nINBOX.~x\nINBOX.ok\n");
  CHECK(joined(courier.names()) == "ok\n");
}

TEST_CASE("add and remove keep a sorted unique canonical set") {
  Subscriptions subs;
  CHECK(*subs.add("Sent") == true);
  CHECK(*subs.add("Sent") == false);
  CHECK(*subs.add("inbox") == true);
  CHECK(subs.contains("INBOX"));
  CHECK(subs.add("../x").status().code() == Code::kInvalidName);
  CHECK(*subs.remove("INBOX") == true);
  CHECK(*subs.remove("INBOX") == false);
  CHECK(joined(subs.names()) == "Sent\n");
}

TEST_CASE("subscribe and unsubscribe write the file durably, by rename") {
  TempDir t;
  std::string root = make_maildir(t);
  CHECK(maildir::list_subscriptions(root)->empty());  // no file yet
  REQUIRE(maildir::subscribe(root, "下書き").ok());
  REQUIRE(maildir::subscribe(root, "Work/2024").ok());
  REQUIRE(maildir::subscribe(root, "Work/2024").ok());  // already: no change
  CHECK(read_file(root + "/subscriptions") == "V\t2\n\nWork\t2024\n&Tgtm+DBN-\n");
  REQUIRE(maildir::unsubscribe(root, "Work/2024").ok());
  REQUIRE(maildir::unsubscribe(root, "Never").ok());
  CHECK(read_file(root + "/subscriptions") == "V\t2\n\n&Tgtm+DBN-\n");
  CHECK(joined(*maildir::list_subscriptions(root)) == "下書き\n");
  CHECK(maildir::subscribe(root, "a/../b").code() == Code::kInvalidName);
  // No temporary files or lock left behind.
  CHECK(fs::is_empty(root + "/tmp"));
  CHECK_FALSE(fs::exists(root + "/subscriptions.lock"));
  // UTF-8 trees store UTF-8.
  std::string root8 = t.path() + "/utf8";
  REQUIRE(maildir::Maildir::create(root8).ok());
  REQUIRE(maildir::subscribe(root8, "送信済み", NameEncoding::kUtf8).ok());
  REQUIRE(maildir::subscribe(root8, "R&D", NameEncoding::kUtf8).ok());
  CHECK(read_file(root8 + "/subscriptions") == "V\t2\n\nR&D\n送信済み\n");
  CHECK(joined(*maildir::list_subscriptions(root8, NameEncoding::kUtf8)) == "R&D\n送信済み\n");
}

TEST_CASE("Courier's file is read when there is no subscriptions file, then superseded") {
  TempDir t;
  std::string root = make_maildir(t);
  write_file(root + "/courierimapsubscribed", "INBOX.Sent\nINBOX.Drafts\n");
  CHECK(joined(*maildir::list_subscriptions(root)) == "Drafts\nSent\n");
  REQUIRE(maildir::subscribe(root, "Archive").ok());
  CHECK(read_file(root + "/subscriptions") == "V\t2\n\nArchive\nDrafts\nSent\n");
  CHECK(read_file(root + "/courierimapsubscribed") == "INBOX.Sent\nINBOX.Drafts\n");  // untouched
}

TEST_CASE("concurrent subscribers in several processes lose nothing") {
  TempDir t;
  std::string root = make_maildir(t);
  constexpr int kProcs = 6;
  constexpr int kEach = 15;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int failures = 0;
      for (int i = 0; i < kEach; ++i) {
        std::string name = "p" + std::to_string(p) + "/m" + std::to_string(i);
        if (!maildir::subscribe(root, name).ok()) ++failures;
      }
      _exit(failures == 0 ? 0 : 1);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto names = maildir::list_subscriptions(root);
  REQUIRE(names.ok());
  CHECK(names->size() == static_cast<size_t>(kProcs * kEach));
}
