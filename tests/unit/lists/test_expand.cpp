// List expansion (nesting, overlap, cycles, external members) and the posting policy.
#include <doctest/doctest.h>

#include <algorithm>

#include "lists/expand.h"

using namespace tegami::config;
using namespace tegami_lists;

namespace {

MailingList make_list(std::string name, std::vector<std::string> members) {
  MailingList l;
  l.local_part = std::move(name);
  for (auto& m : members) l.members.push_back(ListMember{m, ""});
  return l;
}

Config nested_config() {
  Config c;
  c.server.mail_root = "/m";
  Plan p;
  p.name = "standard";
  c.plans = {p};
  Domain d;
  d.name = "example.jp";
  for (const char* u : {"alice", "bob", "carol", "dave"}) {
    Account a;
    a.local_part = u;
    d.accounts.push_back(a);
  }
  d.accounts[0].aliases = {"a.k"};
  Account off;
  off.local_part = "off";
  off.enabled = false;
  d.accounts.push_back(off);
  d.aliases = {Alias{"helpdesk", {"carol@example.jp", "ext2@other.example"}}};
  // all -> team, sales, alice ; team -> bob, sales, helpdesk ; sales -> a.k, bob, ext@, all
  // (a cycle all -> sales -> all), overlap on bob and alice.
  d.lists = {make_list("all", {"team@example.jp", "sales@example.jp", "alice@example.jp"}),
             make_list("team", {"bob@example.jp", "sales@example.jp", "helpdesk@example.jp"}),
             make_list("sales", {"a.k@example.jp", "bob@example.jp", "ext@other.example",
                                 "all@example.jp", "off@example.jp", "ghost@example.jp"})};
  c.domains = {d};
  return c;
}

std::vector<std::string> addresses(const Expansion& e) {
  std::vector<std::string> out;
  for (const auto& m : e.mailboxes) out.push_back(m.address);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("nested lists with overlap and a cycle: every final address once, the cycle reported") {
  Config c = nested_config();
  const Domain& d = c.domains[0];
  Expansion e = expand_list(c, d, d.lists[0]);
  CHECK(addresses(e) ==
        std::vector<std::string>{"alice@example.jp", "bob@example.jp", "carol@example.jp"});
  std::vector<std::string> ext = e.external;
  std::sort(ext.begin(), ext.end());
  CHECK(ext == std::vector<std::string>{"ext2@other.example", "ext@other.example"});
  bool cycle = false, off = false, ghost = false;
  for (const std::string& p : e.problems) {
    if (p.find("cycle") != std::string::npos) cycle = true;
    if (p.find("off@example.jp") != std::string::npos) off = true;
    if (p.find("ghost@example.jp") != std::string::npos) ghost = true;
  }
  CHECK(cycle);
  CHECK(off);
  CHECK(ghost);
  // Every maildir path is the account's.
  for (const auto& m : e.mailboxes)
    CHECK(m.maildir == "/m/example.jp/" + m.address.substr(0, m.address.find('@')));
}

TEST_CASE("overlap without a cycle reports nothing") {
  Config c = nested_config();
  Domain& d = c.domains[0];
  d.lists[2].members.erase(d.lists[2].members.begin() + 3, d.lists[2].members.end());
  Expansion e = expand_list(c, d, d.lists[0]);
  CHECK(e.problems.empty());
  CHECK(addresses(e).size() == 3);  // alice (also via a.k), bob (three paths), carol
}

TEST_CASE("posting policy: members of nested lists, admins, anyone") {
  Config c = nested_config();
  Domain& d = c.domains[0];
  MailingList& all = d.lists[0];
  Expansion e = expand_list(c, d, all);
  CHECK(may_post(all, e, "BOB@example.jp"));     // via team and sales
  CHECK(may_post(all, e, "ext@other.example"));  // an external member of a nested list
  CHECK(may_post(all, e, "a.k@example.jp"));     // the member entry as written
  CHECK_FALSE(may_post(all, e, "dave@example.jp"));
  CHECK_FALSE(may_post(all, e, ""));
  all.posting = PostingPolicy::kAdmins;
  all.admins = {"alice@example.jp"};
  CHECK(may_post(all, e, "alice@example.jp"));
  CHECK_FALSE(may_post(all, e, "bob@example.jp"));
  all.posting = PostingPolicy::kAnyone;
  CHECK(may_post(all, e, "stranger@else.example"));
}

TEST_CASE("nesting deeper than the bound is cut off") {
  Config c;
  c.server.mail_root = "/m";
  Plan p;
  p.name = "standard";
  c.plans = {p};
  Domain d;
  d.name = "x.jp";
  Account a;
  a.local_part = "u";
  d.accounts = {a};
  for (int i = 0; i < 12; ++i)
    d.lists.push_back(make_list("l" + std::to_string(i),
                                {i == 11 ? "u@x.jp" : "l" + std::to_string(i + 1) + "@x.jp"}));
  c.domains = {d};
  Expansion e = expand_list(c, c.domains[0], c.domains[0].lists[0]);
  CHECK(e.mailboxes.empty());
  REQUIRE_FALSE(e.problems.empty());
  CHECK(e.problems[0].find("deeper") != std::string::npos);
}
