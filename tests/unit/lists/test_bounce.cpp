// Bounce counting: the DSN reader, the count per member, disabling after the list's bounce_limit.
#include <doctest/doctest.h>

#include <filesystem>

#include "lists/bounce.h"
#include "lists/post.h"
#include "temp_dir.h"

using namespace tegami::config;
using namespace tegami_lists;

namespace {

std::string dsn(const std::string& rcpt, const std::string& action, const std::string& status) {
  return "From: MAILER-DAEMON@remote.test\r\nContent-Type: multipart/report; "
         "report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: "
         "text/plain\r\n\r\n"
         "failed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
         "mx.remote.test\r\n\r\nOriginal-Recipient: rfc822;" +
         rcpt + "\r\nFinal-Recipient: rfc822; <" + rcpt + ">\r\nAction: " + action +
         "\r\nStatus: " + status + "\r\nDiagnostic-Code: smtp; 550 5.1.1 no\r\n\r\n--b--\r\n";
}

}  // namespace

TEST_CASE("permanent_failures reads failed 5.x.x recipients only") {
  CHECK(permanent_failures(dsn("Ext@Remote.test", "failed", "5.1.1")) ==
        std::vector<std::string>{"ext@remote.test"});
  CHECK(permanent_failures(dsn("ext@remote.test", "delayed", "4.4.1")).empty());
  CHECK(permanent_failures(dsn("ext@remote.test", "failed", "4.2.2")).empty());
  CHECK(permanent_failures("Subject: out of office\r\n\r\nI am away\r\n").empty());
}

TEST_CASE("a member is disabled after five permanent bounces, then skipped by posts") {
  TempDir t;
  auto c = std::make_shared<Config>();
  c->server.mail_root = t.path() + "/mail";
  Plan p;
  p.name = "standard";
  c->plans = {p};
  Domain d;
  d.name = "example.jp";
  Account a;
  a.local_part = "alice";
  d.accounts = {a};
  MailingList l;
  l.local_part = "sales";
  l.members = {{"alice@example.jp", ""}, {"ext@remote.test", ""}};
  l.posting = PostingPolicy::kAnyone;
  d.lists = {l};
  c->domains = {d};
  REQUIRE(l.bounce_limit == 5);  // the default
  for (unsigned i = 1; i <= 5; ++i) {
    auto r =
        handle_bounce(*c, "sales@example.jp", dsn("ext@remote.test", "failed", "5.1.1"), nullptr);
    REQUIRE(r.ok());
    CHECK(r->counted.size() == 1);
    CHECK(r->disabled.size() == (i == 5 ? 1u : 0u));
  }
  // Not a member: not counted.
  auto other =
      handle_bounce(*c, "sales@example.jp", dsn("x@remote.test", "failed", "5.1.1"), nullptr);
  REQUIRE(other.ok());
  CHECK(other->counted.empty());
  std::string state = t.path() + "/mail/example.jp/.lists/sales";
  CHECK(disabled_members(state) == std::set<std::string>{"ext@remote.test"});
  auto q = tegami_queue::Queue::open(t.path() + "/queue");
  REQUIRE(q.ok());
  PostJob j;
  j.config = c;
  j.list_address = "sales@example.jp";
  std::string m = "From: x@y.test\r\nSubject: s\r\n\r\nhi\r\n";
  j.message = m;
  j.queue = q->get();
  j.hostname = "mx";
  PostResult r = post_to_list(j);
  CHECK(r.kind == PostResult::Kind::kPosted);
  CHECK(r.queued.empty());  // the external member is disabled
  CHECK(r.delivered == 1);
  REQUIRE(enable_member(*c, "sales@example.jp", "EXT@remote.test").ok());
  CHECK(disabled_members(state).empty());
  CHECK(post_to_list(j).queued.size() == 1);
}

#include "lists/dmarc.h"

TEST_CASE("dmarc_record_policy reads p= of a v=DMARC1 record") {
  using tegami_lists::dmarc_record_policy;
  CHECK(dmarc_record_policy("v=DMARC1; p=reject; rua=mailto:d@example.com") == "reject");
  CHECK(dmarc_record_policy("v=DMARC1;p=Quarantine;pct=50") == "quarantine");
  CHECK(dmarc_record_policy(" v = DMARC1 ; p = none ") == "none");
  CHECK(dmarc_record_policy("v=spf1 -all").empty());
  CHECK(dmarc_record_policy("p=reject; v=DMARC1").empty());  // v must come first
}

TEST_CASE("bounce_limit: 2 disables at the second bounce, 0 never") {
  for (std::uint32_t limit : {2u, 0u}) {
    CAPTURE(limit);
    TempDir t;
    Config c;
    c.server.mail_root = t.path() + "/mail";
    Domain d;
    d.name = "example.jp";
    MailingList l;
    l.local_part = "sales";
    l.members = {{"ext@remote.test", ""}};
    l.bounce_limit = limit;
    d.lists = {l};
    c.domains = {d};
    for (unsigned i = 1; i <= 7; ++i) {
      auto r =
          handle_bounce(c, "sales@example.jp", dsn("ext@remote.test", "failed", "5.1.1"), nullptr);
      REQUIRE(r.ok());
      if (limit == 2 && i > 2) {
        CHECK(r->counted.empty());  // disabled: no longer counted
      } else {
        CHECK(r->counted.size() == 1);
      }
      CHECK(r->disabled.size() == (limit == 2 && i == 2 ? 1u : 0u));
    }
    std::string state = t.path() + "/mail/example.jp/.lists/sales";
    CHECK(disabled_members(state).size() == (limit == 2 ? 1u : 0u));
  }
}
