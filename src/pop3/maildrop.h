// The POP3 maildrop: INBOX of one user as of login, with the session's per-mailbox lock.
// Every call blocks on the disk: the session runs them through Connection::run_blocking().
//
// open() takes `<maildir>/tegami-pop3.lock` (maildir::DotLock: exclusive across processes and
// hosts; broken when its holder process died on this host, or when not refreshed for 120 s on
// another host), opens and syncs the Mailbox without moving new/ to cur/, and snapshots the
// messages: UID, CRLF size (vsize, what RETR sends), and the uidlist's P record if any (the
// file path and UIDL text are made on demand, so a 1,000-message login allocates little).
// Mail arriving later is
// not part of this session. UIDL: the uidlist's 'P' record wins, else the domain's format —
// Dovecot `%08x%08x` (uid, uidvalidity; lowercase hex, which is what Dovecot sends for its
// `%08Xu%08Xv`) or Courier `UID<n>-<uidvalidity>`. Message order: uidlist 'O' records first,
// in their order, then the rest in UID order (as Dovecot does).
//
// commit() is the UPDATE state: flags \Seen on retrieved messages (when mark_seen), then
// expunges the deleted ones durably (Mailbox::expunge keeps maildirsize right). The lock is
// released by the destructor (on QUIT, on disconnect), or found stale after a crash.
//
// Thread safety: one thread at a time (the session hands it to a worker and back).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "login/login.h"
#include "maildir/lock.h"
#include "maildir/mailbox.h"
#include "maildir/status.h"

namespace tegami::pop3 {

inline constexpr const char* kPop3LockName = "tegami-pop3.lock";

struct DropMessage {
  std::uint32_t uid = 0;
  std::uint64_t size = 0;   // CRLF size
  std::size_t index = 0;    // in the Mailbox view (Maildrop::path)
  std::string uidl_record;  // the uidlist 'P' value, "" if none (Maildrop::uidl)
  bool deleted = false;
  bool retrieved = false;
};

class Maildrop {
 public:
  // kLocked: another POP3 session holds the mailbox ([IN-USE]). Other errors: storage trouble.
  static maildir::Result<std::unique_ptr<Maildrop>> open(const login::Identity& identity);

  std::vector<DropMessage>& messages() { return messages_; }
  const std::vector<DropMessage>& messages() const { return messages_; }

  // The message's UIDL and file; made when asked for (a login costs no string per message).
  std::string uidl(const DropMessage& m) const;
  std::string path(const DropMessage& m) const { return mailbox_.path(m.index); }

  // Keeps the lock fresh for other hosts; kNotFound when someone broke it.
  maildir::Status refresh_lock() { return lock_.refresh(); }

  // The UPDATE state (see above). Returns the number of messages expunged.
  maildir::Result<std::size_t> commit(bool mark_seen);

  // Releases the POP3 lock now (QUIT does this before answering, so a client that reconnects
  // at once is not refused with [IN-USE]). Idempotent; the destructor calls it too.
  maildir::Status release_lock() { return lock_.release(); }

 private:
  Maildrop(maildir::DotLock lock, maildir::Mailbox mailbox)
      : lock_(std::move(lock)), mailbox_(std::move(mailbox)) {}

  maildir::DotLock lock_;
  maildir::Mailbox mailbox_;
  std::vector<DropMessage> messages_;
  config::UidlFormat uidl_format_ = config::UidlFormat::kDovecot;
};

// The UIDL text for `uid` in `format` (no override).
std::string format_uidl(config::UidlFormat format, std::uint32_t uid, std::uint32_t uidvalidity);

}  // namespace tegami::pop3
