// SASL PLAIN and LOGIN, pure. See sasl.h for the contract.
#include "auth/sasl.h"

#include <sodium.h>

#include <algorithm>

namespace tegami_auth {

namespace {

constexpr std::string_view kLoginUserChallenge = "Username:";
constexpr std::string_view kLoginPasswordChallenge = "Password:";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto up = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
           return up(x) == up(y);
         });
}

// Longest base64 text that can decode to at most `decoded` bytes (padding included).
size_t max_encoded_for(size_t decoded) {
  return (decoded + 2) / 3 * 4;
}

// Decodes one response of at most `limit` decoded bytes into `out`: kTooLong when longer
// (checked on the text before decoding, then exactly), kBadBase64 when not strict base64.
std::optional<SaslError> decode_response(std::string_view base64, size_t limit, std::string* out) {
  if (base64.size() > max_encoded_for(limit)) return SaslError::kTooLong;
  std::optional<std::string> decoded = base64_decode_strict(base64, max_encoded_for(limit) / 4 * 3);
  if (!decoded) return SaslError::kBadBase64;
  if (decoded->size() > limit) {
    sodium_memzero(decoded->data(), decoded->size());
    return SaslError::kTooLong;
  }
  *out = std::move(*decoded);
  return std::nullopt;
}

}  // namespace

std::string_view sasl_mechanism_name(SaslMechanism mechanism) {
  return mechanism == SaslMechanism::kPlain ? "PLAIN" : "LOGIN";
}

std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view name) {
  if (iequals(name, "PLAIN")) return SaslMechanism::kPlain;
  if (iequals(name, "LOGIN")) return SaslMechanism::kLogin;
  return std::nullopt;
}

std::string_view sasl_error_name(SaslError error) {
  switch (error) {
    case SaslError::kCancelled:
      return "cancelled";
    case SaslError::kBadBase64:
      return "bad_base64";
    case SaslError::kTooLong:
      return "too_long";
    case SaslError::kMalformed:
      return "malformed";
    case SaslError::kBadUsername:
      return "bad_username";
    case SaslError::kAuthzidRefused:
      return "authzid_refused";
    case SaslError::kOutOfSequence:
      return "out_of_sequence";
  }
  return "unknown";
}

std::optional<std::string> base64_decode_strict(std::string_view text, size_t max_decoded) {
  if (text.size() % 4 != 0 || text.size() > max_encoded_for(max_decoded)) return std::nullopt;
  // The alphabet is checked here first: libsodium 1.0.18 maps some bytes >= 0x80 to digits
  // (found by fuzz_sasl), so it is not trusted to reject them.
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    char c = text[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  // VARIANT_ORIGINAL: standard alphabet with mandatory padding; ignore = nullptr rejects any
  // other character; libsodium also rejects non-zero bits left over in the last symbol.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size() || len > max_decoded) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

SaslExchange::SaslExchange(SaslMechanism mechanism, SaslLimits limits)
    : mechanism_(mechanism), limits_(limits) {}

SaslStep SaslExchange::fail(SaslError error) {
  stage_ = Stage::kDone;
  username_.clear();
  return SaslFailure{error};
}

SaslStep SaslExchange::start(std::optional<std::string_view> initial_response) {
  if (stage_ != Stage::kNew) return fail(SaslError::kOutOfSequence);
  std::optional<std::string_view> ir = initial_response;
  if (ir && *ir == "*") return fail(SaslError::kCancelled);
  if (ir && *ir == "=") ir = std::string_view();  // RFC 4954: "=" is an empty response
  if (mechanism_ == SaslMechanism::kPlain) {
    if (ir) return plain_message(*ir);
    stage_ = Stage::kPlainWait;
    return SaslChallenge{""};
  }
  if (ir) return login_username(*ir);
  stage_ = Stage::kLoginUser;
  return SaslChallenge{base64_encode(kLoginUserChallenge)};
}

SaslStep SaslExchange::respond(std::string_view response) {
  if (stage_ == Stage::kNew || stage_ == Stage::kDone) return fail(SaslError::kOutOfSequence);
  if (response == "*") return fail(SaslError::kCancelled);
  switch (stage_) {
    case Stage::kPlainWait:
      return plain_message(response);
    case Stage::kLoginUser:
      return login_username(response);
    case Stage::kLoginPassword:
      return login_password(response);
    default:
      return fail(SaslError::kOutOfSequence);
  }
}

SaslStep SaslExchange::plain_message(std::string_view base64) {
  // authzid NUL authcid NUL passwd; authzid and authcid are both bounded by max_username.
  std::optional<std::string> msg(std::in_place);
  size_t max = 2 * limits_.max_username + limits_.max_password + 2;
  if (auto e = decode_response(base64, max, &*msg)) return fail(*e);
  std::string_view m = *msg;
  size_t nul1 = m.find('\0');
  if (nul1 == std::string_view::npos) return fail(SaslError::kMalformed);
  size_t nul2 = m.find('\0', nul1 + 1);
  if (nul2 == std::string_view::npos || m.find('\0', nul2 + 1) != std::string_view::npos) {
    return fail(SaslError::kMalformed);
  }
  std::string_view authzid = m.substr(0, nul1);
  std::string_view authcid = m.substr(nul1 + 1, nul2 - nul1 - 1);
  std::string_view passwd = m.substr(nul2 + 1);
  if (authcid.size() > limits_.max_username || authzid.size() > limits_.max_username ||
      passwd.size() > limits_.max_password) {
    sodium_memzero(msg->data(), msg->size());
    return fail(SaslError::kTooLong);
  }
  if (!username_is_valid(authcid)) {
    sodium_memzero(msg->data(), msg->size());
    return fail(SaslError::kBadUsername);
  }
  if (!authzid.empty() && authzid != authcid) {
    sodium_memzero(msg->data(), msg->size());
    return fail(SaslError::kAuthzidRefused);
  }
  SaslCredentials creds{std::string(authcid), std::string(passwd)};
  sodium_memzero(msg->data(), msg->size());
  stage_ = Stage::kDone;
  return creds;
}

SaslStep SaslExchange::login_username(std::string_view base64) {
  std::optional<std::string> user(std::in_place);
  if (auto e = decode_response(base64, limits_.max_username, &*user)) return fail(*e);
  if (user->find('\0') != std::string::npos) return fail(SaslError::kMalformed);
  if (!username_is_valid(*user)) return fail(SaslError::kBadUsername);
  username_ = std::move(*user);
  stage_ = Stage::kLoginPassword;
  return SaslChallenge{base64_encode(kLoginPasswordChallenge)};
}

SaslStep SaslExchange::login_password(std::string_view base64) {
  std::optional<std::string> pw(std::in_place);
  if (auto e = decode_response(base64, limits_.max_password, &*pw)) return fail(*e);
  if (pw->find('\0') != std::string::npos) {
    sodium_memzero(pw->data(), pw->size());
    return fail(SaslError::kMalformed);
  }
  SaslCredentials creds{std::move(username_), std::move(*pw)};
  username_.clear();
  stage_ = Stage::kDone;
  return creds;
}

}  // namespace tegami_auth
