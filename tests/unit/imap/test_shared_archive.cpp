// The shared namespace of list archives (shared_archive.h): who sees which archive, and that
// no personal folder name can enter the namespace.
#include <doctest/doctest.h>

#include "imap/mailbox_names.h"
#include "imap/shared_archive.h"

namespace {

using tegami::config::Config;

imap::Arg astring(std::string text) {
  imap::Arg a;
  a.kind = imap::Arg::Kind::kQuoted;
  a.text = std::move(text);
  return a;
}

Config make_config() {
  Config c;
  c.server.mail_root = "/m";
  tegami::config::Domain d;
  d.name = "example.com";
  tegami::config::Account alice;
  alice.local_part = "alice";
  tegami::config::Account carol;
  carol.local_part = "carol";
  carol.aliases = {"c.k"};
  d.accounts = {alice, carol};
  tegami::config::MailingList sales;
  sales.local_part = "sales";
  sales.admins = {"alice@example.com"};
  sales.archive = true;
  tegami::config::MailingList ops = sales;
  ops.local_part = "ops";
  ops.admins = {"C.K@example.com"};
  tegami::config::MailingList plain = sales;
  plain.local_part = "plain";
  plain.archive = false;
  d.lists = {sales, ops, plain};
  c.domains = {d};
  return c;
}

tegami::login::Identity user(const std::string& local) {
  tegami::login::Identity id;
  id.address = local + "@example.com";
  id.domain = "example.com";
  id.account = local;
  return id;
}

}  // namespace

TEST_CASE("shared archives: admins with archive on, also through an alias") {
  Config c = make_config();
  auto a = imap::shared_archives(c, user("alice"));
  REQUIRE(a.size() == 1);
  CHECK(a[0].name == "shared/sales@example.com");
  CHECK(a[0].dir == "/m/example.com/.lists/sales/archive");
  auto k = imap::shared_archives(c, user("carol"));
  REQUIRE(k.size() == 1);
  CHECK(k[0].name == "shared/ops@example.com");
  CHECK(imap::shared_archives(c, user("bob")).empty());
}

TEST_CASE("shared archives: lookup by mailbox argument") {
  Config c = make_config();
  auto hit = imap::find_shared_archive(astring("Shared/SALES@example.com"), c, user("alice"));
  CHECK_FALSE(hit);  // the prefix is case-sensitive, as Dovecot's
  hit = imap::find_shared_archive(astring("shared/SALES@Example.com"), c, user("alice"));
  REQUIRE(hit);
  CHECK(hit->dir == "/m/example.com/.lists/sales/archive");
  auto miss = imap::find_shared_archive(astring("shared/sales@example.com"), c, user("carol"));
  REQUIRE(miss);
  CHECK(miss->dir.empty());
  miss = imap::find_shared_archive(astring("shared/plain@example.com"), c, user("alice"));
  REQUIRE(miss);
  CHECK(miss->dir.empty());
  CHECK_FALSE(imap::find_shared_archive(astring("INBOX"), c, user("alice")));
  CHECK_FALSE(imap::find_shared_archive(astring("sharedx"), c, user("alice")));
}

TEST_CASE("no personal folder in the shared namespace") {
  for (const char* n : {"shared", "shared/x", "shared/sales@example.com"}) {
    CAPTURE(n);
    auto r = imap::mailbox_from_wire(astring(n));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == maildir::Code::kPermission);
  }
  CHECK(imap::mailbox_from_wire(astring("sharedx")).ok());
  CHECK(imap::mailbox_from_wire(astring("Shared")).ok());
}
