// The `outbound:` section: defaults, relays, validation, and the dump round trip.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "config/load.h"
#include "config_files.h"

TEST_CASE("outbound defaults: enabled, MX on 25, 4 connections, 5 m .. 4 h, 4 h notice, 5 d") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& o = r.config->outbound;
  CHECK(o.enabled);
  CHECK(o.mx_port == 25);
  CHECK(o.connections_per_domain == 4);
  CHECK(o.retry_first == std::chrono::minutes(5));
  CHECK(o.retry_max == std::chrono::hours(4));
  CHECK(o.delay_notice == std::chrono::hours(4));
  CHECK(o.expire == std::chrono::hours(120));
  CHECK_FALSE(o.smarthost);
  CHECK(o.domain_smarthosts.empty());
}

TEST_CASE("smarthost and per-domain relays load, lower-case domains, and survive the dump") {
  ConfigFiles f;
  f.write("tegami.yaml",
          "outbound:\n  dns_servers: \"127.0.0.1:5353,[::1]:53\"\n  retry_first: 1m\n"
          "  smarthost: {host: relay.isp.test, user: acme, password: pw}\n"
          "  domain_smarthosts:\n"
          "    - {domain: Customer.TEST, host: 192.0.2.7, port: 465, tls: implicit}\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& o = r.config->outbound;
  REQUIRE(o.smarthost);
  CHECK(o.smarthost->host == "relay.isp.test");
  CHECK(o.smarthost->port == 587);
  CHECK(o.smarthost->tls == tegami::config::TlsMode::kStartTls);
  CHECK(o.smarthost->user == "acme");
  REQUIRE(o.domain_smarthosts.size() == 1);
  CHECK(o.domain_smarthosts[0].domain == "customer.test");
  CHECK(o.domain_smarthosts[0].tls == tegami::config::TlsMode::kImplicit);
  CHECK(o.retry_first == std::chrono::minutes(1));

  CHECK(o.smarthost->password == "pw");

  // The dump never shows the relay password, and stays loadable.
  std::string dump = tegami::config::dump_config(*r.config);
  CHECK(dump.find("pw") == std::string::npos);
  CHECK(dump.find("password: \"********\"") != std::string::npos);
  ConfigFiles g;
  g.write("tegami.yaml", dump);
  auto again = g.load();
  REQUIRE_MESSAGE(again.ok(), g.first_error(again));
  REQUIRE(again.config->outbound.smarthost);
  CHECK(again.config->outbound.smarthost->password == "********");
  auto masked = o;
  masked.smarthost->password = "********";
  CHECK(again.config->outbound == masked);
}

TEST_CASE("per-domain relay passwords are masked in the dump too") {
  ConfigFiles f;
  f.write("tegami.yaml",
          "outbound:\n  domain_smarthosts:\n"
          "    - {domain: a.test, host: r.test, user: u, password: \"s3cr3t-A\"}\n"
          "    - {domain: b.test, host: r.test, user: v, password: 'p@ss: \"B\"'}\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  REQUIRE(r.config->outbound.domain_smarthosts.size() == 2);
  CHECK(r.config->outbound.domain_smarthosts[1].password == "p@ss: \"B\"");
  std::string dump = tegami::config::dump_config(*r.config);
  CHECK(dump.find("s3cr3t") == std::string::npos);
  CHECK(dump.find("p@ss") == std::string::npos);
  CHECK(dump.find("user: u") != std::string::npos);
}

TEST_CASE("outbound errors: relay keys, duplicates, DNS servers, schedule") {
  const char* bad[] = {
      "outbound:\n  smarthost: {host: h, password: pw}\n",  // password without user
      "outbound:\n  smarthost: {port: 25}\n",               // no host
      "outbound:\n  smarthost: {domain: a.test, host: h}\n",
      "outbound:\n  domain_smarthosts: [{host: h}]\n",  // no domain
      "outbound:\n  domain_smarthosts: [{domain: a.test, host: h}, {domain: A.test, host: i}]\n",
      "outbound:\n  dns_servers: \"localhost\"\n",
      "outbound:\n  dns_servers: \"127.0.0.1:99999\"\n",
      "outbound:\n  connections_per_domain: 0\n",
      "outbound:\n  retry_first: 10m\n  retry_max: 5m\n",
      "outbound:\n  expire: 0s\n",
      "outbound:\n  command_timeout: 0ms\n",
  };
  for (const char* text : bad) {
    ConfigFiles f;
    f.write("tegami.yaml", text);
    CHECK_MESSAGE(!f.load().ok(), text);
  }
}

TEST_CASE("a relay password over plaintext loads with a warning") {
  ConfigFiles f;
  f.write("tegami.yaml", "outbound:\n  smarthost: {host: h, tls: none, user: u, password: p}\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.warnings.size() == 1);
}
