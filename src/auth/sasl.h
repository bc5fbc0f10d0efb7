// SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login) as a pure state machine shared by
// IMAP AUTHENTICATE, POP3 AUTH and SMTP AUTH. No I/O: the protocol layer frames each challenge
// in its own syntax ("+ <b64>" for IMAP/POP3, "334 <b64>" for SMTP) and passes back each client
// response line without its CRLF.
//
//   SaslExchange x(SaslMechanism::kPlain);
//   SaslStep s = x.start(initial_response);   // nullopt when the command carried none
//   while (auto* c = std::get_if<SaslChallenge>(&s)) { send(c->base64); s = x.respond(line); }
//   then SaslCredentials {username, password} → run the authenticator off the loop,
//   or SaslFailure {error}.
//
// Initial response (IMAP SASL-IR RFC 4959, SMTP RFC 4954, POP3 RFC 5034): "=" means an empty
// response. A response of exactly "*" cancels (kCancelled). Base64 is strict RFC 4648: standard
// alphabet, padding required, no whitespace, no stray bits; its length is checked against the
// limits before decoding. PLAIN: `authzid NUL authcid NUL passwd`; an authzid other than empty
// or the authcid itself is refused (kAuthzidRefused) — tegami has no proxy authorisation.
// LOGIN: challenges "Username:" then "Password:"; an initial response is the username.
// The username must pass username_is_valid() (kBadUsername otherwise); the password is any
// bytes except NUL (UTF-8 passwords are compared as bytes, without SASLprep).
//
// How to answer the errors: kBadUsername and kAuthzidRefused exactly like a wrong password
// (same message, same failure delay: do not reveal which); kCancelled as the protocol's
// "authentication cancelled"; kBadBase64, kMalformed, kTooLong as a syntax error (they still
// count as a failed attempt for the failure delay).
//
// Thread safety: an exchange belongs to one session; the free functions are pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "auth/password.h"
#include "auth/username.h"

namespace tegami_auth {

enum class SaslMechanism { kPlain, kLogin };

// "PLAIN", "LOGIN".
std::string_view sasl_mechanism_name(SaslMechanism mechanism);
// Case-insensitive; nullopt for mechanisms tegami does not offer.
std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view name);

enum class SaslError {
  kCancelled,       // the client sent "*"
  kBadBase64,       // not strict base64
  kTooLong,         // a response longer than the limits allow
  kMalformed,       // wrong shape: PLAIN without exactly two NULs, NUL inside a LOGIN field
  kBadUsername,     // fails username_is_valid (answer as a failed login)
  kAuthzidRefused,  // PLAIN authzid is not empty and not the authcid (answer as a failed login)
  kOutOfSequence,   // start()/respond() called in the wrong order or after the end
};

// A short stable name, e.g. "bad_base64" (logs, tests).
std::string_view sasl_error_name(SaslError error);

struct SaslChallenge {
  std::string base64;  // may be empty (PLAIN's empty challenge): send "+ " / "334 "
};
struct SaslCredentials {
  std::string username;
  std::string password;
};
struct SaslFailure {
  SaslError error;
};
using SaslStep = std::variant<SaslChallenge, SaslCredentials, SaslFailure>;

struct SaslLimits {
  size_t max_username = kMaxUsernameBytes;
  size_t max_password = kMaxPasswordBytes;
};

class SaslExchange {
 public:
  explicit SaslExchange(SaslMechanism mechanism, SaslLimits limits = {});

  // Begins the exchange. `initial_response` is the base64 argument of the command ("=" for
  // empty) or nullopt when there was none. REQUIRES: called once, first (else kOutOfSequence).
  SaslStep start(std::optional<std::string_view> initial_response = std::nullopt);

  // Feeds the client's answer to the last challenge (one line, CRLF removed).
  SaslStep respond(std::string_view response);

  // True once a SaslCredentials or SaslFailure has been returned.
  bool finished() const { return stage_ == Stage::kDone; }
  SaslMechanism mechanism() const { return mechanism_; }

 private:
  enum class Stage { kNew, kPlainWait, kLoginUser, kLoginPassword, kDone };
  SaslStep plain_message(std::string_view base64);
  SaslStep login_username(std::string_view base64);
  SaslStep login_password(std::string_view base64);
  SaslStep fail(SaslError error);

  SaslMechanism mechanism_;
  SaslLimits limits_;
  Stage stage_ = Stage::kNew;
  std::string username_;
};

// Strict RFC 4648 base64 (see above) of at most `max_decoded` bytes; nullopt when invalid or
// longer. Exposed for the protocol layers' tests and the fuzzer.
std::optional<std::string> base64_decode_strict(std::string_view text, size_t max_decoded);
std::string base64_encode(std::string_view bytes);

}  // namespace tegami_auth
