// The DKIM signer (RFC 6376 §5, relaxed/relaxed; rsa-sha256 and ed25519-sha256 per RFC 8463).
//
// Streaming: update() takes the message (CRLF line ends, as it will be sent) in pieces of any
// size; the header block is kept (up to kMaxHeader bytes), the body is canonicalized and hashed
// piece by piece, so the message is never held a second time. finish() returns the complete
// "DKIM-Signature: ...\r\n" field to put in front of the message. One Signer per message, one
// thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/canon.h"
#include "dkim/key.h"
#include "maildir/status.h"

namespace tegami_dkim {

inline constexpr std::size_t kMaxHeader = 1024 * 1024;

// Signed when present (lower-case names), the defaults of the config's dkim.headers.
const std::vector<std::string>& default_headers();
// Signed once more than they occur, so that none can be added (oversigning).
const std::vector<std::string>& default_oversign();

struct SignOptions {
  std::string domain;    // d=
  std::string selector;  // s=
  std::vector<std::string> headers = default_headers();
  std::vector<std::string> oversign = default_oversign();
  std::int64_t timestamp = 0;  // t=; 0 = no t= tag
};

class Signer {
 public:
  Signer(Key key, SignOptions options);
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  void update(std::string_view chunk);
  // The signature field (folded at 78 columns, ends with CRLF). Errors: kLimit when the header
  // block was larger than kMaxHeader; kInvalidArgument when the message has no From: field
  // (RFC 6376 §5.4: From must be signed); kIo when OpenSSL fails.
  maildir::Result<std::string> finish();

 private:
  struct Hash;
  Key key_;
  SignOptions options_;
  std::string header_;
  bool in_body_ = false;
  bool too_big_ = false;
  RelaxedBody body_;
  std::string scratch_;
  std::unique_ptr<Hash> body_hash_;
};

// Signs a message held in memory.
maildir::Result<std::string> sign(const Key& key, const SignOptions& options,
                                  std::string_view message);

}  // namespace tegami_dkim
