// Contract-derived limits and plans.
#include <doctest/doctest.h>

#include "config_files.h"

using tegami::config::Protocol;
using tegami::config::QuotaPolicy;

TEST_CASE("lists and IMAP connections = min(max_accounts / 2, 500)") {
  struct Row {
    unsigned max_accounts, expected;
  };
  for (Row row :
       {Row{200, 100}, Row{300, 150}, Row{999, 499}, Row{1000, 500}, Row{1500, 500}, Row{1, 0}}) {
    CAPTURE(row.max_accounts);
    ConfigFiles f;
    f.write("tegami.yaml", "");
    f.write("domains/a.test.yaml",
            "domain: a.test\nmax_accounts: " + std::to_string(row.max_accounts) + "\n");
    auto r = f.load();
    REQUIRE_MESSAGE(r.ok(), f.first_error(r));
    CHECK(r.config->domains[0].max_lists == row.expected);
    CHECK(r.config->domains[0].max_imap_connections == row.expected);
  }
}

TEST_CASE("derived limits can be overridden per domain") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml",
          "domain: a.test\nmax_accounts: 1500\nmax_lists: 20\nmax_imap_connections: 900\n");
  auto r = f.load();
  REQUIRE(r.ok());
  CHECK(r.config->domains[0].max_lists == 20u);
  CHECK(r.config->domains[0].max_imap_connections == 900u);
}

TEST_CASE("built-in plans: basic 20 MB raisable to 50 MB, the others 50 MB") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  auto r = f.load();
  REQUIRE(r.ok());
  const auto& c = *r.config;
  REQUIRE(c.find_plan("basic") != nullptr);
  CHECK(c.find_plan("basic")->mailbox_quota_mb == 20u);
  CHECK(c.find_plan("basic")->max_mailbox_quota_mb == 50u);
  for (const char* name : {"standard", "secure", "premium"}) {
    REQUIRE(c.find_plan(name) != nullptr);
    CHECK(c.find_plan(name)->mailbox_quota_mb == 50u);
    CHECK(c.find_plan(name)->max_mailbox_quota_mb == 0u);
  }
  for (const auto& p : c.plans) {
    CHECK(p.quota_policy == QuotaPolicy::kOvershoot);
    CHECK(p.allows(Protocol::kPop3));  // TLS and protocols are never withheld by default
    CHECK(p.allows(Protocol::kImap));
  }
}

TEST_CASE("plans defined in the file replace the built-ins") {
  ConfigFiles f;
  f.write("tegami.yaml",
          "plans:\n  - name: mini\n    mailbox_quota: 10\n    max_mailbox_quota: 1GB\n    "
          "quota_policy: strict\n    protocols: [pop3, submission]\n");
  f.write("domains/a.test.yaml", "domain: a.test\nplan: mini\naccounts:\n  - user: a\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& c = *r.config;
  CHECK(c.find_plan("basic") == nullptr);
  const auto& plan = c.plan_of(c.domains[0]);
  CHECK(plan.name == "mini");
  CHECK(plan.max_mailbox_quota_mb == 1024u);
  CHECK(plan.quota_policy == QuotaPolicy::kStrict);
  CHECK(plan.allows(Protocol::kPop3));
  CHECK_FALSE(plan.allows(Protocol::kImap));
  CHECK(c.domains[0].accounts[0].quota_mb == 10u);

  f.write("tegami.yaml", "plans:\n  - name: x\n    mailbox_quota: 60\n    max_mailbox_quota: 50\n");
  CHECK(f.first_error(f.load()) ==
        "tegami.yaml:3:20: mailbox_quota 60 MB is above max_mailbox_quota 50 MB");
  f.write("tegami.yaml", "plans:\n  - name: x\n    protocols: [pop3s]\n");
  CHECK(f.first_error(f.load()) ==
        "tegami.yaml:3:17: expected one of smtp, submission, pop3, imap, got 'pop3s'");
}

TEST_CASE("a plan that does not list protocols allows all four") {
  ConfigFiles f;
  f.write("tegami.yaml", "plans:\n  - name: open\n    mailbox_quota: 10\n");
  f.write("domains/a.test.yaml", "domain: a.test\nplan: open\naccounts:\n  - user: a\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& plan = r.config->plan_of(r.config->domains[0]);
  for (Protocol p : {Protocol::kSmtp, Protocol::kSubmission, Protocol::kPop3, Protocol::kImap}) {
    CHECK(plan.allows(p));
  }
}

TEST_CASE("quota_warning: 90 % by default, per plan, 0 = off, above 100 refused") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  auto r = f.load();
  REQUIRE(r.ok());
  CHECK(r.config->find_plan("standard")->quota_warning_percent == 90u);
  f.write("tegami.yaml",
          "plans:\n  - name: quiet\n    quota_warning: 0\n  - name: early\n    quota_warning: 75\n");
  r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.config->find_plan("quiet")->quota_warning_percent == 0u);
  CHECK(r.config->find_plan("early")->quota_warning_percent == 75u);
  f.write("tegami.yaml", "plans:\n  - name: x\n    quota_warning: 101\n");
  CHECK(f.first_error(f.load()) ==
        "tegami.yaml:3:20: quota_warning is a percentage (0-100, 0 = off), not 101");
}
