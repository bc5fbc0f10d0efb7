// The header rewrite of a list post (RFC 2369, RFC 2919). Pure; any thread.
//
// From the received message it removes what a list must own (List-*, Precedence,
// X-Mail-Count, X-ML-Name, Return-Path; Reply-To when the list sets its own), tags the Subject
// (subject.h) when the list has a subject_tag, and appends at the end of the header:
//   Reply-To: <list>            (reply_to: list) / the From: address (reply_to: sender)
//   List-Id: <name.domain>
//   List-Post: <mailto:name@domain>   ("NO" for an admins-only list, RFC 2369 §3.4)
//   List-Help: <mailto:name-ctl@domain?subject=help>
//   List-Unsubscribe: <mailto:name-ctl@domain?subject=remove>, <mailto:admin>...
//   List-Owner: <mailto:admin>...     (when the list has admins)
//   Precedence: list
//   X-ML-Name: name
//   X-Mail-Count: <serial>
// With `munge_from` (the list's munge_from and a DMARC reject/quarantine policy of the poster's
// domain, decided by the caller) From: becomes `"<name> via <list>" <list@domain>` and, when
// the list keeps Reply-To and the post has none, the original From: becomes Reply-To.
// The body is untouched.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"

namespace tegami_lists {

std::string rewrite_post(std::string_view message, const tegami::config::Domain& domain,
                         const tegami::config::MailingList& list, std::uint64_t serial,
                         bool munge_from = false);

// The first address of the From: header ("" when there is none or it cannot be parsed).
std::string from_address(std::string_view message);

}  // namespace tegami_lists
