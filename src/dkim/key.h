// A DKIM private key (RSA or Ed25519) held as an OpenSSL EVP_PKEY, and what is published for it
// in DNS (RFC 6376 §3.6.1, RFC 8463 §4). Blocking only in load_file(); otherwise pure; a Key
// may be used by one thread at a time (copies share the EVP_PKEY, which OpenSSL lets threads
// use concurrently for signing).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "maildir/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace tegami_dkim {

enum class Algorithm { kRsaSha256, kEd25519Sha256 };

// "rsa-sha256" / "ed25519-sha256" (the a= tag).
std::string_view algorithm_tag(Algorithm a);
// "rsa" / "ed25519" (the k= tag of the DNS record).
std::string_view key_type_tag(Algorithm a);

class Key {
 public:
  // Reads a PEM private key (PKCS#8 "PRIVATE KEY", or PKCS#1 "RSA PRIVATE KEY").
  // Errors: kNotFound / kPermission / kIo reading the file; kCorrupt when it is no RSA or
  // Ed25519 private key; kInvalidArgument for an RSA key under 1024 bits (RFC 8301).
  static maildir::Result<Key> load_file(const std::string& path);
  static maildir::Result<Key> load_pem(std::string_view pem);
  // A fresh key: RSA with `bits` (1024..8192) or Ed25519 (bits ignored).
  static maildir::Result<Key> generate(Algorithm algorithm, unsigned bits = 2048);

  Algorithm algorithm() const { return algorithm_; }
  unsigned bits() const;
  // PKCS#8 PEM of the private key.
  std::string private_pem() const;
  // The p= value: base64 of the DER SubjectPublicKeyInfo (RSA) or of the raw 32-byte public
  // key (Ed25519, RFC 8463 §4.2).
  std::string public_b64() const;
  // The TXT record's text: "v=DKIM1; k=rsa; p=..." (unsplit).
  std::string dns_txt() const;

  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  Key(std::shared_ptr<EVP_PKEY> pkey, Algorithm a) : pkey_(std::move(pkey)), algorithm_(a) {}
  static maildir::Result<Key> adopt(EVP_PKEY* pkey);
  std::shared_ptr<EVP_PKEY> pkey_;
  Algorithm algorithm_;
};

// Base64 (RFC 4648, no line breaks).
std::string base64(std::string_view bytes);

// The TXT value split into quoted strings of at most 255 bytes (DNS character-strings), as
// zone files and most DNS panels take them: "\"v=DKIM1; k=rsa; p=MIIB...\" \"...\"".
std::string quoted_txt(std::string_view text);

}  // namespace tegami_dkim
