// IMAP modified UTF-7 (RFC 3501 section 5.1.3), the encoding of mailbox names on the IMAP wire
// and, by default, of Maildir++ folder names on disk (as Dovecot stores them).
//
// Pure functions: no I/O, no global state, callable from any thread.
//
// Canonical form: printable US-ASCII 0x20..0x7e except '&' stands for itself; '&' is "&-";
// every maximal run of other characters is "&" + base64 ('/' replaced by ',', no '=' padding)
// of its UTF-16BE code units + "-", with the unused bits of the last base64 character zero.
// Example: "下書き" <-> "&Tgtm+DBN-", "送信済み" <-> "&kAFP4W4IMH8-", "&" <-> "&-".
#pragma once

#include <string>
#include <string_view>

#include "maildir/status.h"

namespace maildir {

// UTF-8 -> modified UTF-7.
// Success: the canonical encoding (decode_mutf7(result) == utf8).
// kInvalidName: `utf8` is not valid UTF-8 (truncated or overlong sequences, encoded
// surrogates U+D800..U+DFFF, code points above U+10FFFF, stray continuation bytes).
Result<std::string> encode_mutf7(std::string_view utf8);

// Modified UTF-7 -> UTF-8, strict: only the canonical form is accepted, so every name has
// exactly one spelling and encode_mutf7(result) == mutf7.
// kInvalidName (with a message naming the byte offset) for: bytes outside 0x20..0x7e, an
// '&' section not closed by '-', characters outside the modified base64 alphabet, a section
// whose bit count is not a whole number of UTF-16 units or whose padding bits are not zero,
// unpaired or misordered surrogates, printable ASCII (or '&') encoded in base64, an empty
// section other than "&-", and two encoded sections back to back ("&AAA-&AAA-" must be one).
// Decoded control characters (U+0000..U+001F etc.) are returned as they are: rejecting them
// is the mailbox name validator's job.
Result<std::string> decode_mutf7(std::string_view mutf7);

}  // namespace maildir
