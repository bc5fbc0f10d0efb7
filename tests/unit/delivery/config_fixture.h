// A small hand-built config snapshot for the delivery tests.
#pragma once

#include <string>

#include "config/config.h"

inline tegami::config::Config make_config(const std::string& mail_root) {
  using namespace tegami::config;
  Config c;
  c.server.mail_root = mail_root;
  c.server.hostname = "mx.example.jp";
  Plan basic;
  basic.name = "basic";
  basic.quota_policy = QuotaPolicy::kStrict;
  Plan standard;
  standard.name = "standard";
  c.plans = {basic, standard};
  Domain d;
  d.name = "example.jp";
  Account alice;
  alice.local_part = "alice";
  alice.quota_mb = 1;
  alice.aliases = {"a.k"};
  Account bob;
  bob.local_part = "bob";
  bob.quota_mb = 0;
  Account off;
  off.local_part = "off";
  off.enabled = false;
  d.accounts = {alice, bob, off};
  d.aliases = {Alias{"team", {"alice", "bob@example.jp", "alice@example.jp"}},
               Alias{"outside", {"bob", "someone@elsewhere.example"}}, Alias{"loop1", {"loop2"}},
               Alias{"loop2", {"loop1"}}};
  MailingList l;
  l.local_part = "sales";
  d.lists = {l};
  Domain s;
  s.name = "strict.example";
  s.plan = "basic";
  Account carol;
  carol.local_part = "carol";
  carol.quota_mb = 1;
  s.accounts = {carol};
  c.domains = {d, s};
  return c;
}
