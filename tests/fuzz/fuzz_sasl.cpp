// libFuzzer target for the SASL exchange and strict base64.
// fuzz-links: tegami_auth
//
// Input: byte 0 picks the mechanism (bit 0) and whether the first line is an initial response
// (bit 1); the rest is split on '\n' into client lines fed to start()/respond(). Checks the
// exchange's invariants: it ends after credentials or a failure, credentials always carry a
// valid user name and NUL-free password within the limits, and challenges are valid base64.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/sasl.h"

using namespace tegami_auth;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  SaslMechanism mech = (data[0] & 1) ? SaslMechanism::kLogin : SaslMechanism::kPlain;
  bool with_ir = (data[0] & 2) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  // Strict base64 on its own: decode → encode gives back the text.
  if (auto decoded = base64_decode_strict(rest, 4096)) check(base64_encode(*decoded) == rest);

  SaslLimits limits;
  SaslExchange x(mech, limits);
  size_t pos = 0;
  bool first = true;
  int steps = 0;
  while (pos <= rest.size() && steps < 8) {
    size_t end = rest.find('\n', pos);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view line = rest.substr(pos, end - pos);
    SaslStep s;
    if (first && !with_ir) {
      s = x.start();  // no initial response: the first line answers the first challenge
    } else {
      s = first ? x.start(line) : x.respond(line);
      pos = end + 1;
    }
    first = false;
    ++steps;
    if (auto* c = std::get_if<SaslChallenge>(&s)) {
      check(!x.finished());
      check(base64_decode_strict(c->base64, 64).has_value());
      continue;
    }
    check(x.finished());
    if (auto* cr = std::get_if<SaslCredentials>(&s)) {
      check(username_is_valid(cr->username));
      check(cr->username.size() <= limits.max_username);
      check(cr->password.size() <= limits.max_password);
      check(cr->password.find('\0') == std::string::npos);
    }
    // After the end every call is out of sequence.
    SaslStep again = x.respond("AAAA");
    check(std::holds_alternative<SaslFailure>(again) &&
          std::get<SaslFailure>(again).error == SaslError::kOutOfSequence);
    break;
  }
  return 0;
}
