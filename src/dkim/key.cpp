#include "dkim/key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>

namespace tegami_dkim {

using maildir::Code;
using maildir::Result;
using maildir::Status;

namespace {

constexpr std::size_t kMaxKeyFile = 64 * 1024;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::shared_ptr<EVP_PKEY> share(EVP_PKEY* p) {
  return std::shared_ptr<EVP_PKEY>(p, EVP_PKEY_free);
}

}  // namespace

std::string_view algorithm_tag(Algorithm a) {
  return a == Algorithm::kRsaSha256 ? "rsa-sha256" : "ed25519-sha256";
}

std::string_view key_type_tag(Algorithm a) {
  return a == Algorithm::kRsaSha256 ? "rsa" : "ed25519";
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    unsigned v = at(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string quoted_txt(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    std::string_view part = text.substr(0, 255);
    text.remove_prefix(part.size());
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : part) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out.empty() ? "\"\"" : out;
}

Result<Key> Key::adopt(EVP_PKEY* pkey) {
  std::shared_ptr<EVP_PKEY> p = share(pkey);
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(pkey) < 1024) {
        return Status(Code::kInvalidArgument, "RSA key shorter than 1024 bits (RFC 8301)");
      }
      return Key(p, Algorithm::kRsaSha256);
    case EVP_PKEY_ED25519:
      return Key(p, Algorithm::kEd25519Sha256);
    default:
      return Status(Code::kCorrupt, "not an RSA or Ed25519 private key");
  }
}

Result<Key> Key::load_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status(Code::kIo, "out of memory");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (pkey == nullptr) return Status(Code::kCorrupt, "no PEM private key");
  return adopt(pkey);
}

Result<Key> Key::load_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return maildir::from_errno("open " + path);
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = maildir::from_errno("read " + path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxKeyFile) {
      ::close(fd);
      return Status(Code::kCorrupt, path + ": too large for a key file");
    }
  }
  ::close(fd);
  Result<Key> k = load_pem(text);
  if (!k.ok()) return Status(k.status().code(), path + ": " + k.status().message());
  return k;
}

Result<Key> Key::generate(Algorithm algorithm, unsigned bits) {
  EVP_PKEY* pkey = nullptr;
  if (algorithm == Algorithm::kRsaSha256) {
    if (bits < 1024 || bits > 8192) {
      return Status(Code::kInvalidArgument, "RSA key size must be 1024..8192 bits");
    }
    pkey = EVP_RSA_gen(bits);
  } else {
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  if (pkey == nullptr) return Status(Code::kIo, "key generation failed");
  return adopt(pkey);
}

unsigned Key::bits() const {
  return static_cast<unsigned>(EVP_PKEY_get_bits(pkey_.get()));
}

std::string Key::private_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  if (PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string Key::public_b64() const {
  if (algorithm_ == Algorithm::kEd25519Sha256) {
    unsigned char raw[64];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(pkey_.get(), raw, &len) != 1) return "";
    return base64(std::string_view(reinterpret_cast<char*>(raw), len));
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey_.get(), &der);
  if (len <= 0) return "";
  std::string out =
      base64(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  return out;
}

std::string Key::dns_txt() const {
  return "v=DKIM1; k=" + std::string(key_type_tag(algorithm_)) + "; p=" + public_b64();
}

}  // namespace tegami_dkim
