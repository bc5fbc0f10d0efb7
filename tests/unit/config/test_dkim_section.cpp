// The `dkim:` section (server-wide) and a domain's `dkim:` / `dns:` sections.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "config/load.h"
#include "config_files.h"

TEST_CASE("dkim defaults: no domain signs; key_dir and oversigned From") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml", "domain: a.test\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.config->dkim.key_dir == "/var/lib/tegami/dkim");
  CHECK(r.config->dkim.headers.empty());  // the signer's built-in list
  CHECK(r.config->dkim.oversign == std::vector<std::string>{"from"});
  CHECK_FALSE(r.config->domains[0].dkim.signing());
  CHECK(r.warnings.empty());
}

TEST_CASE("a domain's dkim section: default key path under key_dir, headers, algorithm") {
  ConfigFiles f;
  f.write("tegami.yaml", "dkim:\n  key_dir: keys\n  headers: [From, Subject]\n");
  std::filesystem::create_directories(f.path("keys/a.test"));
  f.write("keys/a.test/s1.pem", "not checked here");
  f.write("domains/a.test.yaml", "domain: a.test\ndkim:\n  selector: s1\n");
  f.write("domains/b.test.yaml",
          "domain: b.test\ndkim:\n  selector: ed-2026\n  algorithm: ed25519-sha256\n"
          "  key: ../keys/b.pem\n  headers: [from, to]\n"
          "dns:\n  spf: \"v=spf1 a -all\"\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto* a = r.config->find_domain("a.test");
  CHECK(a->dkim.signing());
  CHECK(a->dkim.key_file == f.path("keys/a.test/s1.pem"));
  CHECK(a->dkim.algorithm == tegami::config::DkimAlgorithm::kRsaSha256);
  CHECK(a->dkim.headers == std::vector<std::string>{"from", "subject"});
  const auto* b = r.config->find_domain("b.test");
  CHECK(b->dkim.algorithm == tegami::config::DkimAlgorithm::kEd25519Sha256);
  CHECK(b->dkim.key_file == f.path("keys/b.pem"));
  CHECK(b->dkim.headers == std::vector<std::string>{"from", "to"});
  CHECK(b->dns.spf == "v=spf1 a -all");
  // b's key does not exist: a warning naming the command that makes it.
  REQUIRE(r.warnings.size() == 1);
  CHECK(f.first_warning(r).find("tegami dkim keygen b.test --selector ed-2026") !=
        std::string::npos);

  // The dump keeps the effective dkim settings.
  ConfigFiles g;
  g.write("tegami.yaml", tegami::config::dump_config(*r.config));
  auto again = g.load();
  REQUIRE_MESSAGE(again.ok(), g.first_error(again));
  CHECK(again.config->find_domain("b.test")->dkim.key_file == b->dkim.key_file);
  CHECK(again.config->find_domain("a.test")->dkim.selector == "s1");
}

TEST_CASE("dkim errors: selector required and a DNS label, algorithm from the list") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml", "domain: a.test\ndkim:\n  algorithm: rsa-sha256\n");
  auto r = f.load();
  CHECK_FALSE(r.ok());
  CHECK(f.first_error(r).find("missing key 'selector'") != std::string::npos);
  f.write("domains/a.test.yaml", "domain: a.test\ndkim:\n  selector: \"bad selector\"\n");
  r = f.load();
  CHECK(f.first_error(r) == "domains/a.test.yaml:3:13: invalid DKIM selector 'bad selector'");
  f.write("domains/a.test.yaml", "domain: a.test\ndkim:\n  selector: s1\n  algorithm: dsa\n");
  r = f.load();
  CHECK(f.first_error(r).find("expected one of rsa-sha256, ed25519-sha256") != std::string::npos);
}
