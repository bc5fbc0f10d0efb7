// Address lookups on a loaded snapshot: accounts, aliases, lists, +detail, case folding.
#include <arpa/inet.h>
#include <doctest/doctest.h>

#include "config_files.h"

using Kind = tegami::config::AddressTarget::Kind;

namespace {
const char* kDomain =
    "domain: Example.Test\n"
    "accounts:\n"
    "  - user: alice\n"
    "    aliases: [info, Sales-Team]\n"
    "  - user: bob\n"
    "    enabled: false\n"
    "aliases:\n"
    "  - address: postmaster\n"
    "    to: [alice, ops@elsewhere.test]\n"
    "lists:\n"
    "  - address: team\n"
    "    members: [alice, {address: Bob@Example.Test, comment: \"Bob, Example Inc.\"}]\n"
    "    admins: [alice]\n";
}

TEST_CASE("find_account folds case and does not resolve aliases") {
  ConfigFiles f;
  f.write("tegami.yaml", "server:\n  mail_root: /srv/mail\n");
  f.write("domains/e.yaml", kDomain);
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& c = *r.config;
  const tegami::config::Domain* d = nullptr;
  const auto* a = c.find_account("ALICE@example.TEST", &d);
  REQUIRE(a != nullptr);
  CHECK(a->local_part == "alice");
  CHECK(d->name == "example.test");
  CHECK(c.maildir_path(*d, *a) == "/srv/mail/example.test/alice");
  CHECK(c.find_account("info@example.test") == nullptr);
  CHECK(c.find_account("alice@other.test") == nullptr);
  CHECK(c.find_account("alice") == nullptr);
  CHECK_FALSE(c.find_account("bob@example.test")->enabled);
}

TEST_CASE("resolve: account, account alias, domain alias, list, +detail") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/e.yaml", kDomain);
  auto r = f.load();
  REQUIRE(r.ok());
  const auto& c = *r.config;
  CHECK(c.resolve("alice@example.test").kind == Kind::kAccount);
  auto t = c.resolve("sales-team@EXAMPLE.test");
  CHECK(t.kind == Kind::kAccount);
  CHECK(t.account->local_part == "alice");
  t = c.resolve("postmaster@example.test");
  REQUIRE(t.kind == Kind::kAlias);
  CHECK(t.alias->targets == std::vector<std::string>{"alice@example.test", "ops@elsewhere.test"});
  t = c.resolve("team@example.test");
  REQUIRE(t.kind == Kind::kList);
  REQUIRE(t.list->members.size() == 2);
  CHECK(t.list->members[0].address == "alice@example.test");
  CHECK(t.list->members[1].address == "bob@example.test");
  CHECK(t.list->members[1].comment == "Bob, Example Inc.");
  CHECK(t.list->admins == std::vector<std::string>{"alice@example.test"});
  t = c.resolve("alice+news@example.test");
  CHECK(t.kind == Kind::kAccount);
  CHECK(t.account->local_part == "alice");
  CHECK(c.resolve("team+x@example.test").kind == Kind::kList);
  CHECK(c.resolve("nobody@example.test").kind == Kind::kNone);
  CHECK(c.resolve("+x@example.test").kind == Kind::kNone);
  CHECK(c.resolve("alice@nowhere.test").kind == Kind::kNone);
}

TEST_CASE("a list admin must be a member") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  f.write("domains/e.yaml",
          "domain: e.test\nlists:\n  - address: l\n    members: [a]\n    admins: [b]\n");
  CHECK(f.first_error(f.load()) ==
        "domains/e.yaml:5:13: admin 'b@e.test' is not a member of the list");
}

TEST_CASE("Cidr matching: IPv4, IPv6 and IPv4-mapped IPv6") {
  ConfigFiles f;
  f.write("tegami.yaml",
          "listeners:\n  - name: a\n    protocol: imap\n    listen: 127.0.0.1:1143\n    "
          "proxy_protocol: [10.1.0.0/16, '2001:db8::/32', 192.0.2.7]\n");
  auto r = f.load();
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  const auto& nets = r.config->listeners[0].proxy_protocol;
  auto v4 = [](const char* s) {
    static unsigned char b[4];
    inet_pton(AF_INET, s, b);
    return b;
  };
  auto v6 = [](const char* s) {
    static unsigned char b[16];
    inet_pton(AF_INET6, s, b);
    return b;
  };
  CHECK(nets[0].contains(AF_INET, v4("10.1.200.3")));
  CHECK_FALSE(nets[0].contains(AF_INET, v4("10.2.0.1")));
  CHECK(nets[0].contains(AF_INET6, v6("::ffff:10.1.0.9")));
  CHECK(nets[1].contains(AF_INET6, v6("2001:db8:1::5")));
  CHECK_FALSE(nets[1].contains(AF_INET6, v6("2001:db9::5")));
  CHECK_FALSE(nets[1].contains(AF_INET, v4("10.1.0.1")));
  CHECK(nets[2].contains(AF_INET, v4("192.0.2.7")));
  CHECK_FALSE(nets[2].contains(AF_INET, v4("192.0.2.8")));
}
