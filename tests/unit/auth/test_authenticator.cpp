// The lookup-and-verify step: outcomes, and that an unknown user costs as much as a real one.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "auth/password.h"

using namespace tegami_auth;

namespace {

struct Directory {
  std::map<std::string, AccountCredentials, std::less<>> accounts;
  int lookups = 0;
  bool broken = false;

  AccountLookup lookup() {
    return [this](std::string_view user) -> maildir::Result<std::optional<AccountCredentials>> {
      ++lookups;
      if (broken) return maildir::Status(maildir::Code::kIo, "config not readable");
      auto it = accounts.find(user);
      if (it == accounts.end()) return std::optional<AccountCredentials>();
      return std::optional<AccountCredentials>(it->second);
    };
  }
};

Directory make_directory() {
  Directory d;
  d.accounts["alice@example.com"] = {hash_password("alice-pw").value(), true};
  d.accounts["bob@example.com"] = {
      "{SHA512-CRYPT}" + std::string("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/"
                                     "O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
      false};
  d.accounts["carol@example.com"] = {"{NTLM}8846f7eaee8fb117ad06bdd830b7586c", true};
  return d;
}

double seconds_for(const std::function<void()>& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("outcomes") {
  Directory d = make_directory();
  auto lookup = d.lookup();
  CHECK(authenticate("alice@example.com", "alice-pw", lookup).outcome == AuthOutcome::kOk);
  AuthResult wrong = authenticate("alice@example.com", "nope", lookup);
  CHECK(wrong.outcome == AuthOutcome::kFailed);
  CHECK(wrong.reason == "password mismatch");
  AuthResult unknown = authenticate("mallory@example.com", "alice-pw", lookup);
  CHECK(unknown.outcome == AuthOutcome::kFailed);
  CHECK(unknown.reason == "unknown user");
  // Disabled is told only to whoever knows the password.
  CHECK(authenticate("bob@example.com", "Hello world!", lookup).outcome == AuthOutcome::kDisabled);
  CHECK(authenticate("bob@example.com", "guess", lookup).outcome == AuthOutcome::kFailed);
  AuthResult odd = authenticate("carol@example.com", "password", lookup);
  CHECK(odd.outcome == AuthOutcome::kFailed);
  CHECK(odd.reason == "unsupported password scheme NTLM");
}

TEST_CASE("an invalid user name is refused without a lookup") {
  Directory d = make_directory();
  auto lookup = d.lookup();
  AuthResult r = authenticate("alice example.com", "alice-pw", lookup);
  CHECK(r.outcome == AuthOutcome::kFailed);
  CHECK(r.reason == "invalid username");
  CHECK(d.lookups == 0);
}

TEST_CASE("a failing lookup is a temporary error") {
  Directory d = make_directory();
  d.broken = true;
  AuthResult r = authenticate("alice@example.com", "alice-pw", d.lookup());
  CHECK(r.outcome == AuthOutcome::kTemporary);
  CHECK(r.reason.find("config not readable") != std::string::npos);
}

TEST_CASE("an unknown user takes as long as a wrong password on a default-scheme account") {
  Directory d = make_directory();
  auto lookup = d.lookup();
  prepare_dummy_hash();
  // Median of a few runs each, to keep scheduler noise out.
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::vector<double> known, unknown;
  for (int i = 0; i < 5; ++i) {
    known.push_back(seconds_for([&] { (void)authenticate("alice@example.com", "x", lookup); }));
    unknown.push_back(seconds_for([&] { (void)authenticate("nobody@example.com", "x", lookup); }));
  }
  double k = median(known), u = median(unknown);
  CAPTURE(k);
  CAPTURE(u);
  // Without the dummy verification an unknown user would answer ~1000x faster; wide bounds keep
  // the test stable on a loaded machine.
  CHECK(u > k * 0.25);
  CHECK(u < k * 4.0);
  CHECK(k > 0.005);  // really an Argon2 verification, not a shortcut
}
