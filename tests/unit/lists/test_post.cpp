// post_to_list on a real temporary Maildir tree and queue: fan-out by links, headers, policy,
// the serial counter (also under concurrent posts), over-quota members and admin notices.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "lists/post.h"
#include "lists/serial.h"
#include "queue/queue.h"
#include "temp_dir.h"

using namespace tegami::config;
using namespace tegami_lists;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<Config> make(const std::string& root) {
  auto c = std::make_shared<Config>();
  c->server.mail_root = root + "/mail";
  c->server.hostname = "mx.example.jp";
  Plan p;
  p.name = "standard";
  p.quota_policy = QuotaPolicy::kStrict;
  p.quota_warning_percent = 0;
  c->plans = {p};
  Domain d;
  d.name = "example.jp";
  for (const char* u : {"alice", "bob", "carol"}) {
    Account a;
    a.local_part = u;
    d.accounts.push_back(a);
  }
  d.accounts[1].quota_mb = 1;  // bob: small, strict
  MailingList l;
  l.local_part = "sales";
  l.members = {{"alice@example.jp", "Alice"}, {"bob@example.jp", ""}, {"ext@other.example", ""}};
  l.admins = {"alice@example.jp"};
  l.subject_tag = "sales";
  d.lists = {l};
  c->domains = {d};
  return c;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The file with CRLF line ends (Maildir files are stored with LF).
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string out;
  for (char c : ss.str()) {
    if (c == '\n' && (out.empty() || out.back() != '\r')) out += '\r';
    out += c;
  }
  return out;
}

PostJob job_for(std::shared_ptr<Config> c, tegami_queue::Queue* q, std::string sender,
                const std::string& message) {
  PostJob j;
  j.config = c;
  j.list_address = "sales@example.jp";
  j.message = message;
  j.received = "Received: from test;\r\n\tMon, 7 Dec 2026 10:00:00 +0000\r\n";
  j.envelope.sender = std::move(sender);
  j.max_size = 20 << 20;
  j.queue = q;
  j.hostname = "mx.example.jp";
  return j;
}

}  // namespace

TEST_CASE("a member's post reaches every member once, one file linked, with the list headers") {
  TempDir t;
  auto c = make(t.path());
  auto q = tegami_queue::Queue::open(t.path() + "/queue");
  REQUIRE(q.ok());
  std::string msg =
      "From: Bob <bob@example.jp>\r\nSubject: Re: hello\r\nList-Id: <old.example>\r\n\r\nbody\r\n";
  PostResult r = post_to_list(job_for(c, q->get(), "bob@example.jp", msg));
  REQUIRE(r.kind == PostResult::Kind::kPosted);
  CHECK(r.serial == 1);
  CHECK(r.delivered == 2);
  REQUIRE(r.queued.size() == 1);
  auto entry = (*q)->load(r.queued[0]);
  REQUIRE(entry.ok());
  CHECK(entry->envelope.sender == "sales-bounces@example.jp");
  REQUIRE(entry->recipients.size() == 1);
  CHECK(entry->recipients[0].address == "ext@other.example");

  auto a = files_in(t.path() + "/mail/example.jp/alice/new");
  auto b = files_in(t.path() + "/mail/example.jp/bob/new");
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  struct stat sa, sb;
  REQUIRE(stat(a[0].c_str(), &sa) == 0);
  REQUIRE(stat(b[0].c_str(), &sb) == 0);
  CHECK(sa.st_ino == sb.st_ino);
  std::string text = slurp(a[0]);
  CHECK(text.rfind("Return-Path: <sales-bounces@example.jp>\r\n", 0) == 0);
  CHECK(text.find("Subject: [sales:00001] Re: hello\r\n") != std::string::npos);
  CHECK(text.find("List-Id: <sales.example.jp>\r\n") != std::string::npos);
  CHECK(text.find("old.example") == std::string::npos);
  CHECK(text.find("List-Post: <mailto:sales@example.jp>\r\n") != std::string::npos);
  CHECK(text.find("List-Help: <mailto:sales-ctl@example.jp?subject=help>\r\n") !=
        std::string::npos);
  CHECK(text.find("List-Owner: <mailto:alice@example.jp>\r\n") != std::string::npos);
  CHECK(text.find("List-Unsubscribe: <mailto:sales-ctl@example.jp?subject=remove>, "
                  "<mailto:alice@example.jp>\r\n") != std::string::npos);
  CHECK(text.find("Precedence: list\r\n") != std::string::npos);
  CHECK(text.find("X-Mail-Count: 1\r\n\r\nbody\r\n") != std::string::npos);
  auto serial = read_serial(t.path() + "/mail/example.jp/.lists/sales");
  REQUIRE(serial.ok());
  CHECK(*serial == 1);
}

TEST_CASE("a stranger is refused, a member's From: is accepted, the counter has no gap") {
  TempDir t;
  auto c = make(t.path());
  auto q = tegami_queue::Queue::open(t.path() + "/queue");
  REQUIRE(q.ok());
  PostResult no = post_to_list(job_for(c, q->get(), "x@else.example",
                                       "From: x@else.example\r\nSubject: spam\r\n\r\nbuy\r\n"));
  CHECK(no.kind == PostResult::Kind::kRefused);
  CHECK(no.reply.code == 550);
  CHECK(no.reply.enhanced == "5.7.1");
  CHECK(files_in(t.path() + "/mail/example.jp/alice/new").empty());
  PostResult yes =
      post_to_list(job_for(c, q->get(), "bounce-123@esp.example",
                           "From: \"A\" <Alice@Example.JP>\r\nSubject: x\r\n\r\nhi\r\n"));
  CHECK(yes.kind == PostResult::Kind::kPosted);
  CHECK(yes.serial == 1);
  c->domains[0].lists[0].posting = PostingPolicy::kAdmins;
  PostResult bob = post_to_list(
      job_for(c, q->get(), "bob@example.jp", "From: bob@example.jp\r\nSubject: x\r\n\r\nhi\r\n"));
  CHECK(bob.kind == PostResult::Kind::kRefused);
  PostResult alice = post_to_list(job_for(c, q->get(), "alice@example.jp",
                                          "From: alice@example.jp\r\nSubject: x\r\n\r\nhi\r\n"));
  CHECK(alice.serial == 2);
}

TEST_CASE("a member over quota is skipped and the admins get a failure notice") {
  TempDir t;
  auto c = make(t.path());
  auto q = tegami_queue::Queue::open(t.path() + "/queue");
  REQUIRE(q.ok());
  std::string big = "From: alice@example.jp\r\nSubject: big\r\n\r\n";
  std::string line(998, 'x');
  while (big.size() < 1500000) big += line + "\r\n";
  PostResult r = post_to_list(job_for(c, q->get(), "alice@example.jp", big));
  REQUIRE(r.kind == PostResult::Kind::kPosted);
  CHECK(r.delivered == 1);
  CHECK(files_in(t.path() + "/mail/example.jp/bob/new").empty());
  REQUIRE(r.queued.size() == 2);  // the external member, the notice to alice
  auto notice = (*q)->load(r.queued[1]);
  REQUIRE(notice.ok());
  CHECK(notice->envelope.is_dsn);
  REQUIRE(notice->recipients.size() == 1);
  CHECK(notice->recipients[0].address == "alice@example.jp");
}

TEST_CASE("concurrent posts get consecutive numbers, none repeated or skipped") {
  TempDir t;
  auto c = make(t.path());
  c->domains[0].lists[0].members = {{"carol@example.jp", ""}};
  c->domains[0].lists[0].posting = PostingPolicy::kAnyone;
  std::vector<std::uint64_t> got(24, 0);
  std::vector<std::thread> threads;
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < 6; ++i) {
        std::string m =
            "From: x@y.example\r\nSubject: n\r\n\r\n" + std::to_string(th * 6 + i) + "\r\n";
        PostResult r = post_to_list(job_for(c, nullptr, "x@y.example", m));
        got[th * 6 + i] = r.kind == PostResult::Kind::kPosted ? r.serial : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  std::sort(got.begin(), got.end());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == i + 1);
  CHECK(files_in(t.path() + "/mail/example.jp/carol/new").size() == 24);
}

TEST_CASE("a corrupt counter refuses posts temporarily instead of starting again at 1") {
  TempDir t;
  auto c = make(t.path());
  fs::create_directories(t.path() + "/mail/example.jp/.lists/sales");
  std::ofstream(t.path() + "/mail/example.jp/.lists/sales/serial") << "garbage";
  auto q = tegami_queue::Queue::open(t.path() + "/queue");
  REQUIRE(q.ok());
  PostResult r = post_to_list(
      job_for(c, q->get(), "alice@example.jp", "From: alice@example.jp\r\n\r\nhi\r\n"));
  CHECK(r.kind == PostResult::Kind::kFailed);
  CHECK(r.reply.code == 451);
  CHECK(files_in(t.path() + "/mail/example.jp/alice/new").empty());
}

TEST_CASE("munge_from: From: becomes the list for DMARC reject/quarantine domains only") {
  TempDir t;
  auto c = make(t.path());
  c->domains[0].lists[0].munge_from = true;
  c->domains[0].lists[0].posting = PostingPolicy::kAnyone;
  c->domains[0].lists[0].members = {{"carol@example.jp", ""}};
  auto policy = [](std::string_view d) -> std::string {
    return d == "strict.example" ? "reject" : d == "q.example" ? "quarantine" : "none";
  };
  auto post = [&](const std::string& from) {
    std::string m = "From: " + from + "\r\nSubject: s\r\n\r\nhi\r\n";
    PostJob j = job_for(c, nullptr, "x@y.example", m);
    j.dmarc_policy = policy;
    PostResult r = post_to_list(j);
    REQUIRE(r.kind == PostResult::Kind::kPosted);
    auto files = files_in(t.path() + "/mail/example.jp/carol/new");
    std::string newest;
    for (const auto& f : files) {
      std::string text = slurp(f);
      if (text.find("X-Mail-Count: " + std::to_string(r.serial) + "\r\n") != std::string::npos)
        newest = text;
    }
    return newest;
  };
  std::string a = post("\"Ann Example\" <ann@strict.example>");
  CHECK(a.find("\r\nFrom: \"Ann Example via sales\" <sales@example.jp>\r\n") != std::string::npos);
  CHECK(a.find("\r\nReply-To: \"Ann Example\" <ann@strict.example>\r\n") != std::string::npos);
  std::string q = post("bo@q.example");
  CHECK(q.find("\r\nFrom: \"bo via sales\" <sales@example.jp>\r\n") != std::string::npos);
  std::string n = post("\"Nina\" <nina@relaxed.example>");
  CHECK(n.find("\r\nFrom: \"Nina\" <nina@relaxed.example>\r\n") != std::string::npos);
  CHECK(n.find("Reply-To:") == std::string::npos);
}
