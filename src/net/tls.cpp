#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace net {
namespace {

std::string openssl_errors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

maildir::Status check_readable(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return maildir::from_errno("open " + path);
  std::fclose(f);
  return maildir::Status::Ok();
}

// SNI callback: switch the SSL object to the context for the requested name.
int on_servername(SSL* ssl, int* alert, void* arg) {
  (void)alert;
  const auto* set = static_cast<const TlsContextSet*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;
  SSL_CTX* ctx = set->context_for(name);
  if (ctx != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, ctx);
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

void TlsContextSet::CtxFree::operator()(ssl_ctx_st* ctx) const {
  SSL_CTX_free(ctx);
}

TlsContextSet::~TlsContextSet() = default;

static maildir::Result<SSL_CTX*> make_context(const CertificateFiles& files,
                                              const std::string& ciphers) {
  for (const auto* path : {&files.cert_file, &files.key_file}) {
    if (auto st = check_readable(*path); !st.ok()) return st;
  }
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return maildir::Status(maildir::Code::kIo, openssl_errors());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Sessions are not resumed across connections (keeps per-connection state small).
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    SSL_CTX_free(ctx);
    return maildir::Status(maildir::Code::kInvalidArgument, "bad cipher list: " + ciphers);
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert_file.c_str()) != 1) {
    std::string why = openssl_errors();
    SSL_CTX_free(ctx);
    return maildir::Status(maildir::Code::kCorrupt, files.cert_file + ": " + why);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::string why = openssl_errors();
    SSL_CTX_free(ctx);
    return maildir::Status(maildir::Code::kCorrupt, files.key_file + ": " + why);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    SSL_CTX_free(ctx);
    return maildir::Status(maildir::Code::kCorrupt,
                           files.key_file + ": key does not match " + files.cert_file);
  }
  return ctx;
}

maildir::Result<std::shared_ptr<const TlsContextSet>> TlsContextSet::load(
    const TlsSettings& settings) {
  std::shared_ptr<TlsContextSet> set(new TlsContextSet());
  auto def = make_context(settings.default_certificate, settings.ciphers);
  if (!def.ok()) return def.status();
  set->default_.reset(def.value());
  for (const auto& d : settings.domains) {
    auto ctx = make_context(d.certificate, settings.ciphers);
    if (!ctx.ok()) return ctx.status();
    set->by_name_.emplace_back(lower(d.name), CtxPtr(ctx.value()));
  }
  // Every context carries the SNI callback (the handshake starts on the default one).
  SSL_CTX_set_tlsext_servername_callback(set->default_.get(), on_servername);
  SSL_CTX_set_tlsext_servername_arg(set->default_.get(), set.get());
  return std::shared_ptr<const TlsContextSet>(std::move(set));
}

ssl_ctx_st* TlsContextSet::context_for(std::string_view server_name) const {
  std::string name = lower(server_name);
  while (!name.empty()) {
    for (const auto& [domain, ctx] : by_name_) {
      if (domain == name) return ctx.get();
    }
    size_t dot = name.find('.');
    if (dot == std::string::npos) break;
    name.erase(0, dot + 1);
  }
  return default_.get();
}

void TlsStore::set(std::shared_ptr<const TlsContextSet> set) {
  std::lock_guard lock(mu_);
  current_ = std::move(set);
}

std::shared_ptr<const TlsContextSet> TlsStore::get() const {
  std::lock_guard lock(mu_);
  return current_;
}

maildir::Result<std::shared_ptr<const TlsClientContext>> TlsClientContext::create() {
  ERR_clear_error();
  std::shared_ptr<TlsClientContext> c(new TlsClientContext());
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  if (c->ctx_ == nullptr) return maildir::Status(maildir::Code::kIo, openssl_errors());
  SSL_CTX_set_min_proto_version(c->ctx_, TLS1_2_VERSION);
  SSL_CTX_set_options(c->ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(c->ctx_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_NONE, nullptr);
  return std::shared_ptr<const TlsClientContext>(std::move(c));
}

TlsClientContext::~TlsClientContext() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

TlsSession::TlsSession(std::shared_ptr<const TlsClientContext> client,
                       const std::string& server_name)
    : client_(std::move(client)) {
  ssl_ = SSL_new(client_->context());
  attach_bios();
  if (ssl_ == nullptr || state_ == State::kFailed) return;
  if (!server_name.empty() && SSL_set_tlsext_host_name(ssl_, server_name.c_str()) != 1) {
    ERR_clear_error();  // a name OpenSSL refuses as SNI (e.g. too long): go without SNI
  }
  SSL_set_connect_state(ssl_);
}

TlsSession::TlsSession(std::shared_ptr<const TlsContextSet> set) : set_(std::move(set)) {
  ssl_ = SSL_new(set_->default_context());
  attach_bios();
  if (ssl_ != nullptr && state_ != State::kFailed) SSL_set_accept_state(ssl_);
}

void TlsSession::attach_bios() {
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || in_ == nullptr || out_ == nullptr) {
    if (in_ != nullptr) BIO_free(in_);
    if (out_ != nullptr) BIO_free(out_);
    in_ = out_ = nullptr;
    state_ = State::kFailed;
    error_ = "out of memory creating a TLS session";
    return;
  }
  BIO_set_mem_eof_return(in_, -1);  // empty input = "want more", not EOF
  SSL_set_bio(ssl_, in_, out_);     // ssl_ owns both BIOs now
}

TlsSession::~TlsSession() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

TlsSession::State TlsSession::advance() {
  if (state_ != State::kHandshaking) return state_;
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    state_ = State::kOpen;
    // The memory BIOs keep the capacity of the largest handshake flight; an idle connection
    // should not. Swap in fresh ones once they are drained (take_output() runs right after).
    if (BIO_ctrl_pending(in_) == 0) {
      bio_st* fresh = BIO_new(BIO_s_mem());
      if (fresh != nullptr) {
        BIO_set_mem_eof_return(fresh, -1);
        SSL_set0_rbio(ssl_, fresh);  // frees the old one
        in_ = fresh;
      }
    }
    compact_output_ = true;
    return state_;
  }
  int err = SSL_get_error(ssl_, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
  state_ = State::kFailed;
  error_ = "TLS handshake failed: " + openssl_errors();
  return state_;
}

TlsSession::State TlsSession::feed(std::string_view ciphertext) {
  if (state_ == State::kFailed || state_ == State::kClosed) return state_;
  if (!ciphertext.empty()) {
    if (BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size())) !=
        static_cast<int>(ciphertext.size())) {
      state_ = State::kFailed;
      error_ = "TLS buffer write failed";
      return state_;
    }
  }
  return advance();
}

TlsSession::State TlsSession::read(std::string& out) {
  if (state_ != State::kOpen) return state_;
  char buf[16384];
  while (true) {
    ERR_clear_error();
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return state_;
    if (err == SSL_ERROR_ZERO_RETURN) {
      state_ = State::kClosed;
      return state_;
    }
    state_ = State::kFailed;
    error_ = "TLS read failed: " + openssl_errors();
    return state_;
  }
}

bool TlsSession::write(std::string_view plaintext) {
  if (state_ != State::kOpen) return false;
  size_t off = 0;
  while (off < plaintext.size()) {
    ERR_clear_error();
    size_t chunk = std::min<size_t>(plaintext.size() - off, 1 << 20);
    int n = SSL_write(ssl_, plaintext.data() + off, static_cast<int>(chunk));
    if (n <= 0) {
      state_ = State::kFailed;
      error_ = "TLS write failed: " + openssl_errors();
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

void TlsSession::shutdown() {
  if (state_ == State::kOpen || state_ == State::kClosed) {
    ERR_clear_error();
    SSL_shutdown(ssl_);
  }
}

void TlsSession::take_output(std::string& out) {
  if (out_ == nullptr) return;
  char* data = nullptr;
  long n = BIO_get_mem_data(out_, &data);
  if (n > 0) {
    out.append(data, static_cast<size_t>(n));
    (void)BIO_reset(out_);
  }
  if (compact_output_) {  // first drain after the handshake: drop the flight's capacity
    compact_output_ = false;
    bio_st* fresh = BIO_new(BIO_s_mem());
    if (fresh != nullptr) {
      SSL_set0_wbio(ssl_, fresh);
      out_ = fresh;
    }
  }
}

bool TlsSession::has_output() const {
  return out_ != nullptr && BIO_ctrl_pending(out_) > 0;
}

std::string TlsSession::server_name() const {
  if (ssl_ == nullptr) return "";
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name == nullptr ? "" : name;
}

std::string TlsSession::version() const {
  return ssl_ == nullptr || state_ != State::kOpen ? "" : SSL_get_version(ssl_);
}

std::string TlsSession::cipher() const {
  if (ssl_ == nullptr || state_ != State::kOpen) return "";
  const char* c = SSL_get_cipher_name(ssl_);
  return c == nullptr ? "" : c;
}

}  // namespace net
