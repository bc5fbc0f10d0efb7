// TLS with OpenSSL 3 over memory BIOs: the transport under a connection (Envoy's transport
// socket), used for implicit TLS (993, 995, 465) and for STARTTLS/STLS.
//
// TlsContextSet: immutable, built once from a default certificate and per-domain certificates;
// the SNI name picks a certificate: exact name first, then each parent domain
// ("mail.example.com" → "example.com"), else the default. TLS 1.2 minimum, no renegotiation,
// SSL_MODE_RELEASE_BUFFERS (idle connections hold no record buffers).
// TlsStore: the current set, swapped atomically on reload; a connection takes the set when its
// handshake starts and keeps it (and its certificate) until it closes.
// TlsSession: one connection's SSL object. Loop thread of its connection only.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "maildir/status.h"

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace net {

struct CertificateFiles {
  std::string cert_file;  // PEM, leaf first then the chain
  std::string key_file;   // PEM private key
};

struct TlsSettings {
  CertificateFiles default_certificate;
  struct Domain {
    std::string name;  // "example.com" (lower case)
    CertificateFiles certificate;
  };
  std::vector<Domain> domains;
  std::string ciphers;  // TLS 1.2 cipher list; empty = OpenSSL's default
};

class TlsContextSet {
 public:
  // Loads every certificate and key. Errors (kNotFound, kPermission, kCorrupt for a bad PEM or
  // a key that does not match its certificate) name the file.
  static maildir::Result<std::shared_ptr<const TlsContextSet>> load(const TlsSettings& settings);
  ~TlsContextSet();
  TlsContextSet(const TlsContextSet&) = delete;
  TlsContextSet& operator=(const TlsContextSet&) = delete;

  ssl_ctx_st* default_context() const { return default_.get(); }
  // The context for an SNI name (case-insensitive), falling back as described above.
  ssl_ctx_st* context_for(std::string_view server_name) const;

 private:
  struct CtxFree {
    void operator()(ssl_ctx_st* ctx) const;
  };
  using CtxPtr = std::unique_ptr<ssl_ctx_st, CtxFree>;
  TlsContextSet() = default;
  CtxPtr default_;
  std::vector<std::pair<std::string, CtxPtr>> by_name_;
};

// Thread-safe holder of the current TlsContextSet.
class TlsStore {
 public:
  void set(std::shared_ptr<const TlsContextSet> set);
  std::shared_ptr<const TlsContextSet> get() const;  // may be null when none is configured

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const TlsContextSet> current_;
};

// The client side's context (outbound SMTP): TLS 1.2 minimum, SNI sent, the peer's
// certificate not verified — opportunistic TLS for mail (RFC 7435: encryption without
// authentication beats plaintext; MX certificates are commonly self-signed). Immutable, shared.
class TlsClientContext {
 public:
  // Errors: kIo when OpenSSL cannot make a context.
  static maildir::Result<std::shared_ptr<const TlsClientContext>> create();
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;
  ssl_ctx_st* context() const { return ctx_; }

 private:
  TlsClientContext() = default;
  ssl_ctx_st* ctx_ = nullptr;
};

// The server side of one TLS connection, over memory BIOs (or the client side, made with the
// second constructor). Ciphertext from the socket goes in
// with feed(); plaintext comes out of read(); plaintext to send goes in with write(); the
// ciphertext to put on the socket comes out of take_output(). No I/O of its own.
class TlsSession {
 public:
  enum class State { kHandshaking, kOpen, kClosed, kFailed };

  // REQUIRES: set != nullptr. The session keeps `set` alive.
  explicit TlsSession(std::shared_ptr<const TlsContextSet> set);
  // The client side: sends `server_name` as SNI (when not empty). The ClientHello is in
  // take_output() after the first feed("").  REQUIRES: client != nullptr.
  TlsSession(std::shared_ptr<const TlsClientContext> client, const std::string& server_name);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Adds ciphertext received from the peer and advances the handshake. kFailed on a protocol
  // error (error() says why); the peer's close_notify makes the state kClosed.
  State feed(std::string_view ciphertext);
  // Decrypts available plaintext, appending it to `out`. Returns the state afterwards.
  State read(std::string& out);
  // Encrypts `plaintext` (only in kOpen; returns false otherwise).
  bool write(std::string_view plaintext);
  // Sends close_notify (ciphertext appears in take_output()).
  void shutdown();
  // Moves pending ciphertext for the socket into `out` (appending).
  void take_output(std::string& out);
  bool has_output() const;

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  std::string server_name() const;  // SNI from the client, "" if none
  std::string version() const;      // "TLSv1.3"
  std::string cipher() const;

 private:
  State advance();
  void attach_bios();
  std::shared_ptr<const TlsContextSet> set_;
  std::shared_ptr<const TlsClientContext> client_;
  ssl_st* ssl_ = nullptr;
  bio_st* in_ = nullptr;   // socket → SSL
  bio_st* out_ = nullptr;  // SSL → socket
  State state_ = State::kHandshaking;
  bool compact_output_ = false;
  std::string error_;
};

}  // namespace net
