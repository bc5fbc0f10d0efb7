// \Recent (IMAP, RFC 3501 2.3.2): a new message is recent in exactly one session — the first
// read-write session that sees it, in any process or host — as Dovecot does.
//
// The record is the file `tegami-recent` in the folder directory, one line
//   "V<uidvalidity> R<first uid not yet given>\n"
// Every UID below R has been given to some session (or predates the record); UIDs from R up
// are still to be given. A read-write session that sees messages with UID >= R claims them:
// under the folder's dovecot-uidlist.lock it reads R, writes R' = (its highest UID + 1) by
// temp file + rename (not fsync'ed: a record lost in a crash only changes who sees \Recent), and
// the UIDs in [R, R') it sees are \Recent for it alone. A session that sees nothing new claims
// nothing. Read-only sessions (EXAMINE, STATUS) only peek: the UIDs >= R are recent but stay
// unclaimed (RFC 3501 6.3.2: EXAMINE must not take \Recent away).
//
// A missing or unreadable file, or one with another UIDVALIDITY, means "no record yet": R is
// then the caller's fallback (the lowest UID of a message still in new/, the pre-record rule),
// so mail already read by another client is not shown as recent again. The file is a cache
// in the sense of DESIGN.md: deleting it loses nothing but who already got \Recent.
//
// Blocking file I/O: call from a worker thread. Thread/process safety: claims are serialised
// by the lock; peeks take no lock (the file is replaced atomically).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "maildir/status.h"

namespace maildir {

inline constexpr const char* kRecentFileName = "tegami-recent";

// The R of the record, or `fallback` when there is none for `uidvalidity`.
std::uint32_t recent_boundary(const std::string& folder_dir, std::uint32_t uidvalidity,
                              std::uint32_t fallback);

// Claims the UIDs below `next_uid` (the caller's highest UID + 1) that no session got yet and
// returns the old R: the caller's \Recent UIDs are those in [R, next_uid). When R >= next_uid
// nothing is claimed (and an existing record is not rewritten; a missing one is started at
// next_uid, so that later UIDs — also of mail appended to cur/ — are recent for someone). kLocked
// if the lock stays held longer than `lock_wait`; kIo/kNoSpace/kPermission from the file system.
Result<std::uint32_t> claim_recent(const std::string& folder_dir, std::uint32_t uidvalidity,
                                   std::uint32_t next_uid, std::uint32_t fallback,
                                   std::chrono::milliseconds lock_wait = std::chrono::seconds(5));

}  // namespace maildir
