// Remote delivery: the SMTP client side of tegamid. Takes messages for remote recipients,
// finds where they go (smarthost, or MX with fallback to A/AAAA), opens connections within a
// per-destination limit, reuses idle ones, and answers each recipient with an outcome.
//
// The queue manager (src/queue) adapts this to its RemoteTransport (queue_transport.h); the
// retry schedule and DSNs are the manager's business, not this class's.
//
// Threading: RemoteDelivery runs its own thread and libuv loop. deliver() may be called from
// any thread; `done` runs on the delivery thread (exactly once per request). The destructor
// closes every connection and answers what is still pending with "deferred".
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "maildir/status.h"
#include "outbound/connection.h"

namespace tegami::outbound {

struct Smarthost {
  enum class Tls { kStartTls, kImplicit, kNone };
  std::string host;  // name or literal address
  uint16_t port = 587;
  Tls tls = Tls::kStartTls;  // kStartTls: required, not opportunistic
  std::string user;          // empty: no AUTH
  std::string password;
};

struct DeliverySettings {
  std::string helo_name = "localhost";
  uint16_t mx_port = 25;    // the port of MX hosts (tests point it elsewhere)
  std::string dns_servers;  // "" = system; "127.0.0.1:5353" (Resolver::Options)
  std::chrono::milliseconds dns_timeout{std::chrono::seconds(5)};
  unsigned connections_per_domain = 4;
  Timeouts timeouts;
  ReplyLimits limits;
  std::optional<Smarthost> smarthost;                  // every message, unless below
  std::map<std::string, Smarthost> sender_smarthosts;  // by the sender's domain (lower case)
};

struct DeliveryRequest {
  std::string mail_from;                // "" for the null sender (DSNs)
  std::string domain;                   // the recipients' domain
  std::vector<std::string> recipients;  // all in `domain`
  // The message (CRLF, not dot-stuffed): `message_size` bytes from `message_offset` of the
  // file `message_path`.
  std::string message_path;
  std::uint64_t message_offset = 0;
  std::uint64_t message_size = 0;
  // Passed on to servers that offer them (client_session.h): RFC 3461 RET/ENVID and
  // NOTIFY/ORCPT per recipient (same order as `recipients`); RFC 6531 SMTPUTF8 as given.
  std::string ret;
  std::optional<std::string> envid;
  std::vector<RecipientDsn> dsn;
  bool smtputf8 = false;  // the sender gave SMTPUTF8 (need is worked out from the message)
};

struct RecipientOutcome {
  enum class Kind { kDelivered, kDeferred, kBounced };
  Kind kind = Kind::kDeferred;
  std::string reply;        // "550 5.1.1 <bob@example.org>: no such user"
  std::string remote_mta;   // the server that answered, "" if none did
  bool dsn_passed = false;  // the server took the RFC 3461 parameters (it offers DSN)
};

class RemoteDelivery {
 public:
  using Done = std::function<void(std::vector<RecipientOutcome>)>;

  // Starts the thread. Errors: kInvalidArgument for a bad DNS server list, kIo.
  static maildir::Result<std::unique_ptr<RemoteDelivery>> start(DeliverySettings settings);
  ~RemoteDelivery();
  RemoteDelivery(const RemoteDelivery&) = delete;
  RemoteDelivery& operator=(const RemoteDelivery&) = delete;

  // Thread-safe. REQUIRES: request.recipients not empty.
  void deliver(DeliveryRequest request, Done done);

  struct Impl;

 private:
  explicit RemoteDelivery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tegami::outbound
