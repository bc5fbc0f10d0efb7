// SASL PLAIN and LOGIN: table tests, RFC examples, attack vectors.
#include <doctest/doctest.h>

#include <string>

#include "auth/sasl.h"

using namespace tegami_auth;

namespace {

std::string b64(std::string_view s) {
  return base64_encode(s);
}

SaslError error_of(const SaslStep& s) {
  REQUIRE(std::holds_alternative<SaslFailure>(s));
  return std::get<SaslFailure>(s).error;
}

SaslCredentials creds_of(const SaslStep& s) {
  REQUIRE(std::holds_alternative<SaslCredentials>(s));
  return std::get<SaslCredentials>(s);
}

std::string challenge_of(const SaslStep& s) {
  REQUIRE(std::holds_alternative<SaslChallenge>(s));
  return std::get<SaslChallenge>(s).base64;
}

SaslStep plain_ir(std::string_view message) {
  SaslExchange x(SaslMechanism::kPlain);
  return x.start(b64(message));
}

using namespace std::string_literals;

}  // namespace

TEST_CASE("mechanism names") {
  CHECK(parse_sasl_mechanism("PLAIN") == SaslMechanism::kPlain);
  CHECK(parse_sasl_mechanism("plain") == SaslMechanism::kPlain);
  CHECK(parse_sasl_mechanism("Login") == SaslMechanism::kLogin);
  CHECK_FALSE(parse_sasl_mechanism("CRAM-MD5").has_value());
  CHECK_FALSE(parse_sasl_mechanism("PLAIN ").has_value());
  CHECK(sasl_mechanism_name(SaslMechanism::kLogin) == "LOGIN");
}

TEST_CASE("PLAIN with an initial response") {
  SaslCredentials c = creds_of(plain_ir("\0alice@example.com\0s3cret"s));
  CHECK(c.username == "alice@example.com");
  CHECK(c.password == "s3cret");
}

TEST_CASE("PLAIN authzid equal to the user is accepted, any other is refused") {
  CHECK(creds_of(plain_ir("alice@example.com\0alice@example.com\0pw"s)).username ==
        "alice@example.com");
  CHECK(error_of(plain_ir("bob@example.com\0alice@example.com\0pw"s)) ==
        SaslError::kAuthzidRefused);
  // RFC 4616 section 4 example: authzid Ursel, authcid Kurt (also not an address here).
  CHECK(error_of(plain_ir("Ursel\0Kurt\0xipj3plmq"s)) == SaslError::kBadUsername);
}

TEST_CASE("RFC examples decode; their bare user names are refused by tegami's username rule") {
  // RFC 4616: "\0tim\0tanstaaftanstaaf"; RFC 4954 and RFC 5034: "test\0test\0..." forms.
  SaslExchange a(SaslMechanism::kPlain);
  CHECK(challenge_of(a.start()) == "");
  CHECK(error_of(a.respond("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")) == SaslError::kBadUsername);
  SaslExchange b(SaslMechanism::kPlain);
  CHECK(error_of(b.start("dGVzdAB0ZXN0ADEyMzQ=")) == SaslError::kBadUsername);
  SaslExchange c(SaslMechanism::kPlain);
  CHECK(error_of(c.start("dGVzdAB0ZXN0AHRlc3Q=")) == SaslError::kBadUsername);
  // The same shapes with an address as the user name succeed.
  CHECK(creds_of(plain_ir("\0tim@example.org\0tanstaaftanstaaf"s)).password == "tanstaaftanstaaf");
}

TEST_CASE("PLAIN without an initial response sends an empty challenge") {
  SaslExchange x(SaslMechanism::kPlain);
  CHECK(challenge_of(x.start()) == "");
  CHECK_FALSE(x.finished());
  SaslCredentials c = creds_of(x.respond(b64("\0u@d.example\0pw"s)));
  CHECK(c.username == "u@d.example");
  CHECK(x.finished());
}

TEST_CASE("an '=' initial response is empty: PLAIN refuses it as malformed") {
  SaslExchange x(SaslMechanism::kPlain);
  CHECK(error_of(x.start("=")) == SaslError::kMalformed);
}

TEST_CASE("'*' cancels, as initial response and as an answer") {
  SaslExchange a(SaslMechanism::kPlain);
  CHECK(error_of(a.start("*")) == SaslError::kCancelled);
  SaslExchange b(SaslMechanism::kLogin);
  challenge_of(b.start());
  CHECK(error_of(b.respond("*")) == SaslError::kCancelled);
  SaslExchange c(SaslMechanism::kLogin);
  challenge_of(c.start());
  challenge_of(c.respond(b64("u@d.example")));
  CHECK(error_of(c.respond("*")) == SaslError::kCancelled);
}

TEST_CASE("LOGIN: Username: and Password: challenges") {
  SaslExchange x(SaslMechanism::kLogin);
  CHECK(challenge_of(x.start()) == "VXNlcm5hbWU6");                            // "Username:"
  CHECK(challenge_of(x.respond(b64("carol@example.net"))) == "UGFzc3dvcmQ6");  // "Password:"
  SaslCredentials c = creds_of(x.respond(b64("pa ss")));
  CHECK(c.username == "carol@example.net");
  CHECK(c.password == "pa ss");
  CHECK(error_of(x.respond(b64("again"))) == SaslError::kOutOfSequence);
}

TEST_CASE("LOGIN: an initial response is the user name") {
  SaslExchange x(SaslMechanism::kLogin);
  CHECK(challenge_of(x.start(b64("carol@example.net"))) == "UGFzc3dvcmQ6");
  CHECK(creds_of(x.respond(b64("pw"))).password == "pw");
  SaslExchange y(SaslMechanism::kLogin);
  CHECK(error_of(y.start("=")) == SaslError::kBadUsername);  // empty user
}

TEST_CASE("strict base64: no missing padding, stray bits, whitespace or other alphabets") {
  const char* bad[] = {
      "AHVAZC5leGFtcGxlAHB3",   // valid (control, below)
      "AHVAZC5leGFtcGxlAHB",    // length not a multiple of 4
      "AHVAZC5leGFtcGxlAHB3 ",  // trailing space
      "AHVAZC5le GFtcGxlAHB3",  // inner space
      "AHVAZC5leGFtcGxlAHB3\r",
      "AHVAZC5leGFtcGxl\nAHB3",
      "AHVAZC5leGFtcGxlAH-_",
      "AHVAZC5leGFtcGxlAHB3====",
      "QR==",  // non-zero stray bits
      "Q===",
      "====",
      "AH\xc3\xa9Z",
      "AGFAYi5j\xbf\xb7\xbd\xca",  // regression: high bytes libsodium 1.0.18 decodes (fuzz_sasl)
      "\xfe\xbe\xb8\xb9\xbe\xa6\x96\xd4jAHB3",
  };
  SaslExchange ok(SaslMechanism::kPlain);
  CHECK(creds_of(ok.start(bad[0])).username == "u@d.example");
  for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    CAPTURE(std::string(bad[i]));
    SaslExchange x(SaslMechanism::kPlain);
    CHECK(error_of(x.start(bad[i])) == SaslError::kBadBase64);
  }
  CHECK_FALSE(base64_decode_strict("QR==", 10).has_value());
  CHECK(base64_decode_strict("QQ==", 10) == "A");
  CHECK(base64_decode_strict("", 10) == "");
  CHECK_FALSE(base64_decode_strict("QUJD", 2).has_value());  // longer than allowed
}

TEST_CASE("embedded NULs: PLAIN needs exactly two, LOGIN fields have none") {
  CHECK(error_of(plain_ir("u@d.example\0pw"s)) == SaslError::kMalformed);
  CHECK(error_of(plain_ir("\0u@d.example\0pw\0"s)) == SaslError::kMalformed);
  CHECK(error_of(plain_ir("\0u@d.example\0p\0w"s)) == SaslError::kMalformed);
  CHECK(error_of(plain_ir("no nul at all")) == SaslError::kMalformed);
  SaslExchange x(SaslMechanism::kLogin);
  challenge_of(x.start());
  CHECK(error_of(x.respond(b64("u@d.example\0"s))) == SaslError::kMalformed);
  SaslExchange y(SaslMechanism::kLogin);
  challenge_of(y.start(b64("u@d.example")));
  CHECK(error_of(y.respond(b64("p\0w"s))) == SaslError::kMalformed);
}

TEST_CASE("length limits are checked before decoding") {
  std::string pw(kMaxPasswordBytes, 'p');
  CHECK(creds_of(plain_ir("\0u@d.example\0"s + pw)).password.size() == kMaxPasswordBytes);
  CHECK(error_of(plain_ir("\0u@d.example\0"s + pw + "p")) == SaslError::kTooLong);
  // A huge line (not even base64) is refused as too long without decoding.
  SaslExchange x(SaslMechanism::kPlain);
  CHECK(error_of(x.start(std::string(1 << 20, '!'))) == SaslError::kTooLong);
  SaslExchange y(SaslMechanism::kLogin);
  challenge_of(y.start());
  CHECK(error_of(y.respond(b64(std::string(300, 'a') + "@d.example"))) == SaslError::kTooLong);
  SaslExchange z(SaslMechanism::kLogin, SaslLimits{64, 8});
  challenge_of(z.start(b64("u@d.example")));
  CHECK(error_of(z.respond(b64("123456789"))) == SaslError::kTooLong);
}

TEST_CASE("bad user names are refused before any lookup") {
  for (std::string u : {"alice"s, "alice @example.com"s, "alice@"s, "@example.com"s,
                        "a@b@example.com"s, "al\x01ice@example.com"s, "al\xc3\xa9@example.com"s,
                        "../../etc@passwd"s, "a\tb@example.com"s}) {
    CAPTURE(u);
    CHECK(error_of(plain_ir("\0"s + u + "\0pw"s)) == SaslError::kBadUsername);
  }
}

TEST_CASE("UTF-8 passwords pass through as bytes") {
  std::string pw = "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89";  // パスワード
  CHECK(creds_of(plain_ir("\0u@d.example\0"s + pw)).password == pw);
  SaslExchange x(SaslMechanism::kLogin);
  challenge_of(x.start(b64("u@d.example")));
  CHECK(creds_of(x.respond(b64(pw))).password == pw);
}

TEST_CASE("calls out of order fail cleanly") {
  SaslExchange x(SaslMechanism::kPlain);
  CHECK(error_of(x.respond("AAAA")) == SaslError::kOutOfSequence);
  CHECK(x.finished());
  SaslExchange y(SaslMechanism::kPlain);
  creds_of(y.start(b64("\0u@d.example\0pw"s)));
  CHECK(error_of(y.start(b64("\0u@d.example\0pw"s))) == SaslError::kOutOfSequence);
}

TEST_CASE("every truncation of a valid exchange ends in a failure or a shorter password") {
  std::string full = b64("\0user@example.com\0password123"s);
  for (size_t n = 0; n < full.size(); ++n) {
    SaslExchange x(SaslMechanism::kPlain);
    SaslStep s = x.start(full.substr(0, n));
    CAPTURE(n);
    if (auto* c = std::get_if<SaslCredentials>(&s)) {
      CHECK(c->password.size() < 11);
      CHECK(std::string("password123").rfind(c->password, 0) == 0);
    } else {
      CHECK(std::holds_alternative<SaslFailure>(s));
    }
  }
}

TEST_CASE("error names are stable") {
  CHECK(sasl_error_name(SaslError::kBadBase64) == "bad_base64");
  CHECK(sasl_error_name(SaslError::kAuthzidRefused) == "authzid_refused");
  CHECK(sasl_error_name(SaslError::kCancelled) == "cancelled");
}
