// The `pop3:` section and the per-domain `pop3_mark_seen` override.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "config/load.h"
#include "config_files.h"

TEST_CASE("pop3 defaults: RETR marks seen, 10-minute idle timeout") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml", "domain: a.test\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.config->pop3.mark_seen);
  CHECK(r.config->pop3.idle_timeout == std::chrono::minutes(10));
  CHECK(r.config->domains[0].pop3_mark_seen);
  CHECK(r.warnings.empty());
}

TEST_CASE("pop3_mark_seen: the global value unless the domain overrides it, both ways") {
  ConfigFiles f;
  f.write("tegami.yaml", "pop3:\n  mark_seen: false\n");
  f.write("domains/a.test.yaml", "domain: a.test\n");
  f.write("domains/b.test.yaml", "domain: b.test\npop3_mark_seen: true\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK_FALSE(r.config->find_domain("a.test")->pop3_mark_seen);
  CHECK(r.config->find_domain("b.test")->pop3_mark_seen);

  f.write("tegami.yaml", "");
  f.write("domains/a.test.yaml", "domain: a.test\npop3_mark_seen: false\n");
  r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK_FALSE(r.config->find_domain("a.test")->pop3_mark_seen);
  CHECK(r.config->find_domain("b.test")->pop3_mark_seen);

  // The dump writes each domain's effective value; loading it gives the same settings.
  ConfigFiles g;
  g.write("tegami.yaml", tegami::config::dump_config(*r.config));
  auto again = g.load();
  REQUIRE_MESSAGE(again.ok(), g.first_error(again));
  CHECK_FALSE(again.config->find_domain("a.test")->pop3_mark_seen);
  CHECK(again.config->find_domain("b.test")->pop3_mark_seen);
}

TEST_CASE("pop3.idle_timeout: shorter than RFC 1939's 10 minutes warns, zero is an error") {
  ConfigFiles f;
  f.write("tegami.yaml", "pop3:\n  idle_timeout: 3s\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.config->pop3.idle_timeout == std::chrono::seconds(3));
  CHECK(f.first_warning(r) ==
        "tegami.yaml:2:3: pop3.idle_timeout is below the 10 minutes RFC 1939 asks for");
  f.write("tegami.yaml", "pop3:\n  idle_timeout: 0s\n");
  CHECK(f.first_error(f.load()) == "tegami.yaml:2:3: pop3.idle_timeout must be at least 1s");
  f.write("tegami.yaml", "pop3:\n  mark_seen: sometimes\n");
  CHECK(f.first_error(f.load()) == "tegami.yaml:2:14: expected true or false, got 'sometimes'");
}
