// Password hashes: published test vectors for every scheme a Dovecot passwd-file may hold, and
// round trips of the hashes tegami writes.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/password.h"

using tegami_auth::hash_password;
using tegami_auth::HashOptions;
using tegami_auth::HashScheme;
using tegami_auth::inspect_stored_hash;
using tegami_auth::Verify;
using tegami_auth::verify_password;

namespace {
struct Vector {
  const char* stored;
  const char* password;
};

// Cheap costs so round trips stay fast under sanitizers; the defaults are tested once.
HashOptions cheap() {
  HashOptions o;
  o.argon2_ops = 1;
  o.argon2_mem_bytes = 64 * 1024;
  o.sha512_rounds = 1000;
  o.bcrypt_cost = 4;
  return o;
}
}  // namespace

TEST_CASE("published vectors verify in Dovecot {SCHEME} form") {
  const Vector vectors[] = {
      // Ulrich Drepper's SHA-crypt specification.
      {"{SHA512-CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/"
       "O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
       "Hello world!"},
      {"{SHA512-CRYPT}$6$rounds=10000$saltstringsaltst$OW1/"
       "O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/"
       "UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
       "Hello world!"},
      {"{SHA256-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!"},
      {"{MD5-CRYPT}$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1", "Hello world!"},
      // Openwall crypt_blowfish wrapper.c.
      {"{BLF-CRYPT}$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
      {"{BLF-CRYPT}$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", "\xa3"},
      {"{BLF-CRYPT}$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3"},
      // {CRYPT}: yescrypt as Debian 12 writes /etc/shadow, and traditional DES.
      {"{CRYPT}$y$j9T$Qeof7nTZR1kT1cFwdlZqd0$B5.LdYzAcE8IwmEjeOUR9RwIwpalyyj/oxaiDqnryZ/",
       "WA7NERURoVlDegBUVyM1Kk"},
      {"{CRYPT}rl.3StKT.4T8M", "rasmuslerdorf"},
      // phc-winner-argon2 src/test.c.
      {"{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
       "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
       "password"},
      {"{ARGON2ID}$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/"
       "5U52iv1cDc",
       "password"},
      {"{ARGON2I}$argon2i$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$sDV8zPvvkfOGCw26RHsjSMvv7K2vmQq/"
       "6cxAcmxSEnE",
       "password"},
      {"{PLAIN}correct horse", "correct horse"},
  };
  for (const Vector& v : vectors) {
    CAPTURE(std::string(v.stored));
    CHECK(verify_password(v.password, v.stored) == Verify::kMatch);
    CHECK(verify_password("x" + std::string(v.password), v.stored) ==
          Verify::kMismatch);  // DES reads 8 bytes
    CHECK(verify_password("", v.stored) == Verify::kMismatch);
    CHECK(inspect_stored_hash(v.stored).supported);
  }
}

TEST_CASE("a value without a scheme prefix is CRYPT, and scheme names are case-insensitive") {
  const char* bare =
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/"
      "O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
  CHECK(verify_password("Hello world!", bare) == Verify::kMatch);
  CHECK(inspect_stored_hash(bare).scheme == "CRYPT");
  CHECK(verify_password("Hello world!", std::string("{sha512-crypt}") + bare) == Verify::kMatch);
}

TEST_CASE("malformed or mislabelled stored values are unsupported, never a match") {
  const char* bad[] = {
      "{FOO}bar",
      "{SHA512-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",  // wrong label
      "{ARGON2ID}$argon2i$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$sDV8zPvvkfOGCw26RHsjSMvv7K2vmQq/"
      "6cxAcmxSEnE",
      "{ARGON2ID}garbage",
      "{ARGON2ID}$argon2id$v=19$m=65536",
      "{BLF-CRYPT}$2y$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
      "{CRYPT}$6$",
      "{CRYPT}$9$unknownmethod",
  };
  for (const char* s : bad) {
    CAPTURE(std::string(s));
    CHECK(verify_password("password", s) == Verify::kUnsupported);
    CHECK_FALSE(inspect_stored_hash(s).supported);
  }
}

TEST_CASE("locked crypt values never match") {
  for (const char* s :
       {"{CRYPT}*", "{CRYPT}!", "*", "!$6$saltstring$svn8UoSVapNtMuq1uk", "{CRYPT}"}) {
    CAPTURE(std::string(s));
    CHECK(verify_password("", s) == Verify::kMismatch);
    CHECK(verify_password("*", s) == Verify::kMismatch);
  }
}

TEST_CASE("plaintext and legacy schemes are flagged for config check") {
  CHECK(inspect_stored_hash("{PLAIN}x").plaintext);
  CHECK(inspect_stored_hash("{CLEARTEXT}x").plaintext);
  CHECK(inspect_stored_hash("{MD5-CRYPT}$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1").weak);
  CHECK(inspect_stored_hash("{CRYPT}rl.3StKT.4T8M").weak);
  CHECK(
      inspect_stored_hash("{SHA256-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5")
          .weak);
  CHECK_FALSE(
      inspect_stored_hash("{BLF-CRYPT}$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")
          .weak);
  CHECK_FALSE(
      inspect_stored_hash(
          "{CRYPT}$y$j9T$Qeof7nTZR1kT1cFwdlZqd0$B5.LdYzAcE8IwmEjeOUR9RwIwpalyyj/oxaiDqnryZ/")
          .weak);
}

TEST_CASE("PLAIN compares whole values, including length and bytes after a prefix") {
  CHECK(verify_password("secret", "{PLAIN}secret") == Verify::kMatch);
  CHECK(verify_password("secre", "{PLAIN}secret") == Verify::kMismatch);
  CHECK(verify_password("secret2", "{PLAIN}secret") == Verify::kMismatch);
  CHECK(verify_password("", "{PLAIN}") == Verify::kMatch);
  CHECK(verify_password(std::string("secret\0x", 8), "{PLAIN}secret") == Verify::kMismatch);
}

TEST_CASE("default hash is ARGON2ID with the documented interactive limits") {
  auto h = hash_password("correct horse battery staple");
  REQUIRE(h.ok());
  CHECK(h->rfind("{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$", 0) == 0);
  CHECK(verify_password("correct horse battery staple", *h) == Verify::kMatch);
  CHECK(verify_password("correct horse battery stapl", *h) == Verify::kMismatch);
}

TEST_CASE("hashes of every writable scheme round-trip, with fresh salts") {
  const std::string pw = "p\xc3\xa4ssw\xc3\xb6rd \xe6\x97\xa5\xe6\x9c\xac";  // UTF-8
  struct Case {
    HashScheme scheme;
    const char* prefix;
  } cases[] = {{HashScheme::kArgon2id, "{ARGON2ID}$argon2id$v=19$m=64,t=1,p=1$"},
               {HashScheme::kSha512Crypt, "{SHA512-CRYPT}$6$rounds=1000$"},
               {HashScheme::kBlfCrypt, "{BLF-CRYPT}$2y$04$"}};
  for (const Case& c : cases) {
    CAPTURE(std::string(c.prefix));
    auto a = hash_password(pw, c.scheme, cheap());
    auto b = hash_password(pw, c.scheme, cheap());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->rfind(c.prefix, 0) == 0);
    CHECK(*a != *b);
    CHECK(verify_password(pw, *a) == Verify::kMatch);
    CHECK(verify_password(pw.substr(1), *a) == Verify::kMismatch);
    CHECK(inspect_stored_hash(*a).supported);
    CHECK_FALSE(inspect_stored_hash(*a).plaintext);
  }
}

TEST_CASE("default SHA512-CRYPT and BLF-CRYPT costs") {
  auto s = hash_password("pw", HashScheme::kSha512Crypt);
  REQUIRE(s.ok());
  CHECK(s->rfind("{SHA512-CRYPT}$6$rounds=100000$", 0) == 0);
  auto b = hash_password("pw", HashScheme::kBlfCrypt);
  REQUIRE(b.ok());
  CHECK(b->rfind("{BLF-CRYPT}$2y$10$", 0) == 0);
  CHECK(verify_password("pw", *b) == Verify::kMatch);
}

TEST_CASE("hash_password refuses NUL, over-long passwords and impossible costs") {
  CHECK(hash_password(std::string("a\0b", 3)).status().code() == maildir::Code::kInvalidArgument);
  std::string huge(tegami_auth::kMaxPasswordBytes + 1, 'a');
  CHECK(hash_password(huge).status().code() == maildir::Code::kInvalidArgument);
  CHECK(verify_password(huge, "{PLAIN}" + huge) == Verify::kMismatch);
  HashOptions o = cheap();
  o.bcrypt_cost = 3;
  CHECK(hash_password("pw", HashScheme::kBlfCrypt, o).status().code() ==
        maildir::Code::kInvalidArgument);
  o = cheap();
  o.argon2_mem_bytes = 1024;
  CHECK(hash_password("pw", HashScheme::kArgon2id, o).status().code() ==
        maildir::Code::kInvalidArgument);
}

TEST_CASE("scheme names parse case-insensitively") {
  CHECK(tegami_auth::parse_hash_scheme("argon2id") == HashScheme::kArgon2id);
  CHECK(tegami_auth::parse_hash_scheme("SHA512-CRYPT") == HashScheme::kSha512Crypt);
  CHECK(tegami_auth::parse_hash_scheme("blf-crypt") == HashScheme::kBlfCrypt);
  CHECK_FALSE(tegami_auth::parse_hash_scheme("PLAIN").has_value());
  CHECK_FALSE(tegami_auth::parse_hash_scheme("MD5-CRYPT").has_value());
}

TEST_CASE("a flood of Argon2 checks runs at most kMaxConcurrentArgon2 at once (bounded memory)") {
  HashOptions cheap;
  cheap.argon2_ops = 1;
  cheap.argon2_mem_bytes = 8u * 1024 * 1024;
  auto stored = hash_password("flood", HashScheme::kArgon2id, cheap);
  REQUIRE(stored.ok());
  std::atomic<int> matches{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      if (verify_password("flood", *stored) == Verify::kMatch) ++matches;
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(matches.load() == 12);
  CHECK(tegami_auth::argon2_peak_concurrency() >= 1);
  CHECK(tegami_auth::argon2_peak_concurrency() <= tegami_auth::kMaxConcurrentArgon2);
}
