// Fuzzes the maildirsize parsers (the file is written by other programs too: Courier, Dovecot,
// a user's editor). Checks that parsing never crashes and that a parsed quota definition
// survives a format/parse round trip.
// fuzz-links: maildir
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "maildir/quota.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  maildir::MaildirSize m = maildir::parse_maildirsize(in);
  if (m.valid) {
    // The first line parsed, so formatting it and parsing again gives the same limit.
    maildir::Result<maildir::QuotaLimit> again =
        maildir::parse_quota_limit(maildir::format_quota_limit(m.limit));
    if (!again.ok() || !(*again == m.limit)) std::abort();
  }
  maildir::Result<maildir::QuotaLimit> l = maildir::parse_quota_limit(in.substr(0, in.find('\n')));
  if (l.ok() && !(*maildir::parse_quota_limit(maildir::format_quota_limit(*l)) == *l)) std::abort();
  return 0;
}
