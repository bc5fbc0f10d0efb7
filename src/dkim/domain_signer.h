// Which key signs a message, from the configuration: the key of the authenticated account's
// domain, when that domain has a DKIM selector. Only mail a user of ours submitted is signed —
// never mail that arrived on port 25 and is forwarded (its From: may be forged), and a customer
// never gets another hosted domain's signature by writing that domain into From:. (Submission
// already requires MAIL FROM in the account's domain, so d= aligns with From: for DMARC when the
// user's client writes its own address.) Blocking (reads the key file; a small cache keyed by path
// and mtime avoids parsing it for every message); any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "dkim/signer.h"
#include "maildir/status.h"

namespace tegami_dkim {

struct DomainSignature {
  std::string domain;  // d=
  std::string field;   // "DKIM-Signature: ...\r\n"
};

// Signs `message` (CRLF, without tegami's Received line) for the domain of `account`
// ("user@domain"). nullopt: not one of our domains, or it has no selector. Errors: the key cannot
// be read (kNotFound, kPermission, kCorrupt), the key does not match the configured algorithm
// (kInvalidArgument), the message cannot be signed (kLimit, kInvalidArgument: no From:). `now`
// becomes t=.
maildir::Result<std::optional<DomainSignature>> sign_for_domain(
    const tegami::config::Config& config, std::string_view message, std::string_view account,
    std::int64_t now);

// The signing options of a domain (d=, s=, the header list).
SignOptions options_for(const tegami::config::Config& config, const tegami::config::Domain& d,
                        std::int64_t now);

// The key of a domain (cached; see above).
maildir::Result<Key> domain_key(const tegami::config::Domain& d);

}  // namespace tegami_dkim
