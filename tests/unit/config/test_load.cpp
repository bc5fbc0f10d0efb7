// Validation of the configuration files: every error names file:line:column exactly.
#include <doctest/doctest.h>

#include <string>

#include "config_files.h"

namespace {
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}
}  // namespace

TEST_CASE("a minimal valid tree loads, with defaults and relative paths resolved") {
  ConfigFiles f;
  f.write("tegami.yaml", "server:\n  mail_root: ../mail\n");
  f.write("domains/a.test.yaml", "domain: A.Test\naccounts:\n  - user: Bob\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& c = *r.config;
  CHECK(c.server.mail_root == std::filesystem::path(f.path("../mail")).lexically_normal().string());
  CHECK(c.limits.max_message_size == 20971520u);
  CHECK(c.limits.max_recipients == 1000u);
  CHECK(c.server.worker_loops >= 1u);
  REQUIRE(c.domains.size() == 1);
  CHECK(c.domains[0].name == "a.test");
  CHECK(c.domains[0].plan == "standard");
  CHECK(c.domains[0].accounts[0].local_part == "bob");
  CHECK(c.domains[0].accounts[0].quota_mb == 50u);
  CHECK(c.domains[0].source_file == f.path("domains/a.test.yaml"));
  CHECK(c.files.size() == 2);
}

TEST_CASE("unknown key in a domain file") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml", "domain: a.test\nplann: basic\n");
  auto r = f.load();
  CHECK_FALSE(r.ok());
  CHECK(starts_with(f.first_error(r), "domains/a.test.yaml:2:1: unknown key 'plann'"));
}

TEST_CASE("unknown key in a nested section of the main file") {
  ConfigFiles f;
  f.write("tegami.yaml", "server:\n  hostname: x\n  mail_rot: /m\n");
  auto r = f.load();
  CHECK(starts_with(f.first_error(r), "tegami.yaml:3:3: unknown key 'mail_rot'"));
}

TEST_CASE("wrong types point at the value") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml", "domain: a.test\nmax_accounts: many\n");
  CHECK(f.first_error(f.load()) ==
        "domains/a.test.yaml:2:15: expected a whole number from 0 to 4294967295, got 'many'");
  f.write("domains/a.test.yaml", "domain: a.test\naccounts: {user: bob}\n");
  CHECK(f.first_error(f.load()) == "domains/a.test.yaml:2:11: expected a list, got a mapping");
  f.write("domains/a.test.yaml", "domain: a.test\naccounts:\n  - user: bob\n    enabled: maybe\n");
  CHECK(f.first_error(f.load()) == "domains/a.test.yaml:4:14: expected true or false, got 'maybe'");
  f.write("domains/a.test.yaml", "domain: a.test\nuidl_format: pop\n");
  CHECK(f.first_error(f.load()) ==
        "domains/a.test.yaml:2:14: expected one of dovecot, courier, got 'pop'");
}

TEST_CASE("quota must be a whole number of MB") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  for (const char* bad : {"1.5", "50KB", "-3", "lots"}) {
    CAPTURE(bad);
    f.write("domains/a.test.yaml",
            std::string("domain: a.test\naccounts:\n  - user: bob\n    quota: ") + bad + "\n");
    CHECK(f.first_error(f.load()) ==
          std::string("domains/a.test.yaml:4:12: expected a whole number of MB (e.g. 50, 50MB, "
                      "5GB), got '") +
              bad + "'");
  }
  f.write("domains/a.test.yaml", "domain: a.test\naccounts:\n  - user: bob\n    quota: 0\n");
  CHECK(f.first_error(f.load()) == "domains/a.test.yaml:4:12: quota must be at least 1 MB");
  f.write("domains/a.test.yaml", "domain: a.test\naccounts:\n  - user: bob\n    quota: 5GB\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.config->domains[0].accounts[0].quota_mb == 5120u);
}

TEST_CASE("more accounts than max_accounts points at the first account too many") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml",
          "domain: a.test\nmax_accounts: 2\naccounts:\n  - user: a\n  - user: b\n  - user: c\n");
  auto r = f.load();
  CHECK_FALSE(r.ok());
  CHECK(f.first_error(r) ==
        "domains/a.test.yaml:6:5: domain 'a.test' has 3 accounts, more than its max_accounts of 2");
}

TEST_CASE("more lists than allowed (derived and overridden)") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  // max_accounts 2 -> 1 list.
  f.write("domains/a.test.yaml",
          "domain: a.test\nmax_accounts: 2\nlists:\n  - address: l1\n  - address: l2\n");
  CHECK(f.first_error(f.load()) ==
        "domains/a.test.yaml:5:5: domain 'a.test' has 2 mailing lists, more than its limit of 1");
  f.write("domains/a.test.yaml",
          "domain: a.test\nmax_accounts: 2\nmax_lists: 2\nlists:\n  - address: l1\n  - address: "
          "l2\n");
  auto r = f.load();
  CHECK_MESSAGE(r.ok(), f.first_error(r));
}

TEST_CASE("duplicate addresses across accounts, aliases and lists") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write(
      "domains/a.test.yaml",
      "domain: a.test\naccounts:\n  - user: bob\naliases:\n  - address: BOB\n    to: [x@y.z]\n");
  std::string e = f.first_error(f.load());
  CHECK(starts_with(e, "domains/a.test.yaml:5:14: address 'bob@a.test' is already used at "));
  CHECK(e.find("a.test.yaml:3:11") != std::string::npos);

  f.write("domains/a.test.yaml",
          "domain: a.test\naccounts:\n  - user: alice\n    aliases: [info]\nlists:\n  - address: "
          "info\n");
  CHECK(starts_with(f.first_error(f.load()),
                    "domains/a.test.yaml:6:14: address 'info@a.test' is already used at "));

  f.write("domains/a.test.yaml", "domain: a.test\naccounts:\n  - user: a\n  - user: a\n");
  CHECK(starts_with(f.first_error(f.load()),
                    "domains/a.test.yaml:4:11: address 'a@a.test' is already used at "));
}

TEST_CASE("the same domain in two files") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.yaml", "domain: a.test\n");
  f.write("domains/b.yaml", "\n\ndomain: A.TEST\n");
  std::string e = f.first_error(f.load());
  CHECK(starts_with(e, "domains/b.yaml:3:9: domain 'a.test' already declared at "));
}

TEST_CASE("unknown plan, and a quota above the plan's maximum") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml", "domain: a.test\nplan: gold\n");
  CHECK(f.first_error(f.load()) ==
        "domains/a.test.yaml:2:7: unknown plan 'gold' (known: basic, standard, secure, premium)");
  f.write("domains/a.test.yaml",
          "domain: a.test\nplan: basic\naccounts:\n  - user: a\n    quota: 51\n");
  CHECK(f.first_error(f.load()) ==
        "domains/a.test.yaml:5:12: quota 51 MB is above the maximum of plan 'basic' (50 MB)");
  f.write("domains/a.test.yaml",
          "domain: a.test\nplan: basic\naccounts:\n  - user: a\n    quota: 50\n  - user: b\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.config->domains[0].accounts[0].quota_mb == 50u);
  CHECK(r.config->domains[0].accounts[1].quota_mb == 20u);  // basic's default
}

TEST_CASE("unreadable certificate files, unless self-signed creation is enabled") {
  ConfigFiles f;
  f.write("tegami.yaml", "tls:\n  cert: tls/c.pem\n  key: tls/k.pem\n");
  CHECK(starts_with(f.first_error(f.load()), "tegami.yaml:2:9: cannot read certificate '" +
                                                 f.path("tls/c.pem") +
                                                 "': No such file or directory"));
  f.write("tegami.yaml",
          "tls:\n  cert: tls/c.pem\n  key: tls/k.pem\n  self_signed_if_missing: true\n");
  auto r = f.load();
  CHECK_MESSAGE(r.ok(), f.first_error(r));
  // Only one of the two present: the missing one is an error even with self-signing.
  std::filesystem::create_directories(f.path("tls"));
  f.write("tls/c.pem", "x");
  CHECK(starts_with(f.first_error(f.load()), "tegami.yaml:3:8: cannot read key '"));
  // A domain's certificate is checked and joins the SNI list.
  f.write("tls/k.pem", "x");
  f.write("domains/a.test.yaml", "domain: a.test\ntls:\n  cert: nope.pem\n  key: nope.key\n");
  CHECK(starts_with(f.first_error(f.load()), "domains/a.test.yaml:3:9: cannot read certificate"));
  f.write("domains/a.test.yaml",
          "domain: a.test\ntls:\n  cert: ../tls/c.pem\n  key: ../tls/k.pem\n");
  r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  REQUIRE(r.config->tls.sni.size() == 1);
  CHECK(r.config->tls.sni[0].names == std::vector<std::string>{"a.test"});
  CHECK(r.config->tls.sni[0].cert_file == f.path("tls/c.pem"));
}

TEST_CASE("listeners: address syntax, TLS needs a certificate, names are unique") {
  ConfigFiles f;
  f.write("tegami.yaml",
          "listeners:\n  - name: imap\n    protocol: imap\n    listen: 127.0.0.1:99999\n");
  CHECK(f.first_error(f.load()) ==
        "tegami.yaml:4:13: expected IP:port like 127.0.0.1:143 or [::1]:143, got "
        "'127.0.0.1:99999'");
  f.write("tegami.yaml",
          "listeners:\n  - name: imaps\n    protocol: imap\n    listen: '[::1]:993'\n    tls: "
          "implicit\n");
  CHECK(f.first_error(f.load()) ==
        "tegami.yaml:5:10: listener 'imaps' uses TLS but tls.cert and tls.key are not set");
  f.write("tegami.yaml",
          "listeners:\n  - name: a\n    protocol: pop3\n    listen: 127.0.0.1:110\n  - name: a\n "
          "   protocol: pop3\n    listen: 127.0.0.1:111\n    proxy_protocol: [10.0.0.0/8, "
          "'::1']\n");
  CHECK(starts_with(f.first_error(f.load()), "tegami.yaml:5:11: listener name 'a' already used"));
  f.write("tegami.yaml",
          "listeners:\n  - name: a\n    protocol: pop3\n    listen: "
          "127.0.0.1:110\n    proxy_protocol: [10.0.0.0/33]\n");
  CHECK(
      starts_with(f.first_error(f.load()), "tegami.yaml:5:22: expected an IP address or network"));
  f.write("tegami.yaml",
          "listeners:\n  - name: a\n    protocol: pop3\n    listen: '[::1]:110'\n    "
          "proxy_protocol: [10.0.0.0/8, '::1']\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.config->listeners[0].address == "::1");
  CHECK(r.config->listeners[0].port == 110);
  CHECK(r.config->listeners[0].proxy_protocol.size() == 2);
}

TEST_CASE("missing required keys, duplicate keys and YAML syntax errors") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml", "domain: a.test\naccounts:\n  - quota: 5\n");
  CHECK(f.first_error(f.load()) == "domains/a.test.yaml:3:5: missing key 'user'");
  f.write("domains/a.test.yaml", "domain: a.test\nplan: basic\nplan: premium\n");
  CHECK(f.first_error(f.load()) == "domains/a.test.yaml:3:1: duplicate key 'plan'");
  f.write("domains/a.test.yaml", "domain: a.test\naccounts:\n  - user: [oops\n");
  CHECK(starts_with(f.first_error(f.load()), "domains/a.test.yaml:4:1: YAML syntax: "));
  f.write("domains/a.test.yaml",
          "domain: a.test\naccounts:\n  - user: bob\n    password: secret\n");
  CHECK(f.first_error(f.load()) ==
        "domains/a.test.yaml:4:15: password must be a hash in {SCHEME} form (make one with "
        "`tegami pw`)");
  f.write("domains/a.test.yaml", "domain: a.test\naccounts:\n  - user: bob smith\n");
  CHECK(starts_with(f.first_error(f.load()), "domains/a.test.yaml:3:11: invalid user 'bob smith'"));
}

TEST_CASE("a domain whose quotas add up to more than its disk_quota gets a warning") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml",
          "domain: a.test\ndisk_quota: 100MB\naccounts:\n  - user: a\n    quota: 60\n  - user: b\n "
          "   quota: 40\n");
  auto r = f.load();
  REQUIRE(r.ok());
  CHECK(r.warnings.empty());  // exactly 100 MB is fine
  f.write(
      "domains/a.test.yaml",
      "domain: a.test\ndisk_quota: 100MB\naccounts:\n  - user: a\n    quota: 60\n  - user: b\n");
  r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));  // a warning is not an error
  REQUIRE(r.warnings.size() == 1);
  CHECK(f.first_warning(r) ==
        "domains/a.test.yaml:2:13: domain 'a.test': account quotas add up to 110 MB, more than "
        "its disk_quota of 100 MB");
}

TEST_CASE("domains_dir and domains declared in the main file") {
  ConfigFiles f;
  std::filesystem::create_directories(f.path("customers"));
  f.write("customers/b.yaml", "domain: b.test\n");
  f.write("domains/ignored.yaml", "this is not: [valid\n");
  f.write("tegami.yaml", "domains_dir: customers\ndomains:\n  - domain: a.test\n    plan: basic\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  REQUIRE(r.config->domains.size() == 2);
  CHECK(r.config->find_domain("a.test")->source_file == f.main());
  CHECK(r.config->find_domain("B.TEST")->source_file == f.path("customers/b.yaml"));
  f.write("tegami.yaml", "domains_dir: \"\"\n");
  r = f.load();
  REQUIRE(r.ok());
  CHECK(r.config->domains.empty());
}

TEST_CASE("a missing main file is an error without position") {
  ConfigFiles f;
  auto r = f.load();
  CHECK_FALSE(r.ok());
  CHECK(f.first_error(r) == "tegami.yaml: cannot read config file: No such file or directory");
}

TEST_CASE("absurdly deep YAML nesting is an error, not a stack overflow") {
  ConfigFiles f;
  std::string deep = "a: ";
  for (int i = 0; i < 100000; ++i) deep += "{a: ";
  f.write("tegami.yaml", deep + "\n");
  auto r = f.load();
  CHECK_FALSE(r.ok());
  std::string e = f.first_error(r);
  CHECK(starts_with(e, "tegami.yaml:1:"));
  CHECK(e.find(": YAML nesting is too deep") != std::string::npos);
}
