// resolve_recipient: accounts, aliases, relay tricks, unknown users, remote domains.
#include <doctest/doctest.h>

#include "config_fixture.h"
#include "delivery/recipient.h"
#include "smtp/command.h"

using namespace tegami_delivery;
using tegami_smtp::Command;

namespace {

RcptVerdict verdict(const tegami::config::Config& c, std::string_view addr) {
  auto r = tegami_smtp::parse_command("RCPT TO:<" + std::string(addr) + ">");
  REQUIRE_MESSAGE(std::holds_alternative<Command>(r), addr);
  return resolve_recipient(c, std::get<Command>(r).path);
}

}  // namespace

TEST_CASE("accounts, their aliases, +detail and case resolve to the account's Maildir") {
  auto c = make_config("/m");
  for (std::string_view a :
       {"alice@example.jp", "ALICE@Example.JP", "a.k@example.jp", "alice+news@example.jp"}) {
    CAPTURE(a);
    auto v = verdict(c, a);
    REQUIRE(v.kind == RcptVerdict::Kind::kLocal);
    REQUIRE(v.mailboxes.size() == 1);
    CHECK(v.mailboxes[0].address == "alice@example.jp");
    CHECK(v.mailboxes[0].maildir == "/m/example.jp/alice");
    CHECK(v.mailboxes[0].quota_mb == 1);
  }
  auto strict = verdict(c, "carol@strict.example");
  REQUIRE(strict.kind == RcptVerdict::Kind::kLocal);
  CHECK(strict.mailboxes[0].policy == tegami::config::QuotaPolicy::kStrict);
}

TEST_CASE("a domain alias expands to each local account once") {
  auto c = make_config("/m");
  auto v = verdict(c, "team@example.jp");
  REQUIRE(v.kind == RcptVerdict::Kind::kLocal);
  REQUIRE(v.mailboxes.size() == 2);
  CHECK(v.mailboxes[0].address == "alice@example.jp");
  CHECK(v.mailboxes[1].address == "bob@example.jp");
}

TEST_CASE("unknown, disabled and looping targets are refused") {
  auto c = make_config("/m");
  auto unknown = verdict(c, "nobody@example.jp");
  CHECK(unknown.kind == RcptVerdict::Kind::kRefused);
  CHECK(unknown.reply.code == 550);
  CHECK(unknown.reply.enhanced == "5.1.1");
  CHECK(verdict(c, "off@example.jp").reply.enhanced == "5.2.1");
  CHECK(verdict(c, "loop1@example.jp").reply.enhanced == "5.4.6");
}

TEST_CASE("a list address is a list post; -ctl and -bounces are the list's service addresses") {
  auto c = make_config("/m");
  auto post = verdict(c, "Sales@example.jp");
  REQUIRE(post.kind == RcptVerdict::Kind::kLocal);
  CHECK(post.mailboxes.empty());
  REQUIRE(post.lists.size() == 1);
  CHECK(post.lists[0] == "sales@example.jp");
  auto ctl = verdict(c, "sales-ctl@example.jp");
  REQUIRE(ctl.kind == RcptVerdict::Kind::kLocal);
  CHECK(ctl.list_ctl == "sales@example.jp");
  // The fixture's list has no admins: its bounces have nobody to go to.
  CHECK(verdict(c, "sales-bounces@example.jp").reply.code == 550);
  c.domains[0].lists[0].admins = {"bob@example.jp", "x@elsewhere.example"};
  auto b = verdict(c, "sales-bounces@example.jp");
  REQUIRE(b.kind == RcptVerdict::Kind::kLocal);
  REQUIRE(b.mailboxes.size() == 1);
  CHECK(b.mailboxes[0].address == "bob@example.jp");
  CHECK(b.forward == std::vector<std::string>{"x@elsewhere.example"});
  CHECK(verdict(c, "bob-ctl@example.jp").reply.code == 550);
}

TEST_CASE("an alias with an external target forwards it and keeps its local part") {
  auto c = make_config("/m");
  auto v = verdict(c, "outside@example.jp");
  REQUIRE(v.kind == RcptVerdict::Kind::kLocal);
  REQUIRE(v.mailboxes.size() == 1);
  CHECK(v.mailboxes[0].address == "bob@example.jp");
  CHECK(v.forward == std::vector<std::string>{"someone@elsewhere.example"});
}

TEST_CASE("every relay trick is refused, never local and never remote") {
  auto c = make_config("/m");
  for (std::string_view a :
       {"bob%elsewhere.example@example.jp", "@example.jp:bob@elsewhere.example",
        "\"bob@elsewhere.example\"@example.jp", "elsewhere.example!bob@example.jp",
        "bob@example.jp.", "bob@[127.0.0.1]"}) {
    CAPTURE(a);
    auto v = verdict(c, a);
    CHECK(v.kind == RcptVerdict::Kind::kRefused);
    CHECK(v.reply.code == 554);
    CHECK(v.reply.enhanced == "5.7.1");
  }
  // A quoted local part that names an account is not that account.
  CHECK(verdict(c, "\"bob\"@example.jp").reply.enhanced == "5.1.1");
}

TEST_CASE("another domain is remote: the session decides (refused on port 25)") {
  auto c = make_config("/m");
  auto v = verdict(c, "bob@elsewhere.example");
  CHECK(v.kind == RcptVerdict::Kind::kRemote);
  CHECK(v.remote == "bob@elsewhere.example");
}

TEST_CASE("a domain catch-all takes unknown local parts, to local and external targets") {
  auto c = make_config("/m");
  c.domains[0].catch_all = {"bob@example.jp", "archive@elsewhere.example"};
  auto v = verdict(c, "whoever@example.jp");
  REQUIRE(v.kind == RcptVerdict::Kind::kLocal);
  REQUIRE(v.mailboxes.size() == 1);
  CHECK(v.mailboxes[0].address == "bob@example.jp");
  REQUIRE(v.forward.size() == 1);
  CHECK(v.forward[0] == "archive@elsewhere.example");
  // Known addresses keep their meaning; disabled accounts are not caught.
  auto alice = verdict(c, "alice@example.jp");
  REQUIRE(alice.mailboxes.size() == 1);
  CHECK(alice.mailboxes[0].address == "alice@example.jp");
  CHECK(alice.forward.empty());
  CHECK(verdict(c, "off@example.jp").reply.enhanced == "5.2.1");
  // Relay tricks and quoted local parts are refused before any catch-all.
  CHECK(verdict(c, "v%elsewhere.example@example.jp").reply.code == 554);
  CHECK(verdict(c, "\"a@b\"@example.jp").reply.code == 554);
  CHECK(verdict(c, "\"a b\"@example.jp").reply.code == 550);
  // Another domain without catch_all still refuses unknown users.
  CHECK(verdict(c, "whoever@strict.example").reply.enhanced == "5.1.1");
}

TEST_CASE("a catch-all target that does not exist is refused, not caught again") {
  auto c = make_config("/m");
  c.domains[0].catch_all = {"ghost@example.jp"};
  auto v = verdict(c, "whoever@example.jp");
  CHECK(v.kind == RcptVerdict::Kind::kRefused);
  CHECK(v.reply.enhanced == "5.1.1");
  c.domains[0].aliases.push_back(tegami::config::Alias{"dangling", {"ghost"}});
  CHECK(verdict(c, "dangling@example.jp").reply.enhanced == "5.1.1");
}
