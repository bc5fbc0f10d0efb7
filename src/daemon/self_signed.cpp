#include "daemon/self_signed.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <system_error>

namespace tegami::daemon {

namespace {
using maildir::Code;
using maildir::Status;

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Status add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Status(Code::kInvalidArgument, "cannot add certificate extension " + value);
  }
  return Status::Ok();
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// temp file in the same directory + fsync + rename + fsync(dir).
Status write_durably(const std::string& path, const std::string& content, mode_t mode) {
  std::filesystem::path p(path);
  std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return maildir::from_errno("create " + tmp);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = maildir::from_errno("write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    Status s = maildir::from_errno("fsync " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = maildir::from_errno("rename " + tmp + " -> " + path);
    ::unlink(tmp.c_str());
    return s;
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return maildir::from_errno("open " + dir);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0) return maildir::from_errno(err, "fsync " + dir);
  return Status::Ok();
}

Status make_dirs(const std::string& file) {
  std::filesystem::path dir = std::filesystem::path(file).parent_path();
  if (dir.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return maildir::from_errno(ec.value(), "mkdir " + dir.string());
  return Status::Ok();
}
}  // namespace

maildir::Result<bool> ensure_self_signed_certificate(const std::string& cert_file,
                                                     const std::string& key_file,
                                                     const std::string& hostname) {
  bool have_cert = ::access(cert_file.c_str(), F_OK) == 0;
  bool have_key = ::access(key_file.c_str(), F_OK) == 0;
  if (have_cert && have_key) return false;
  if (have_cert || have_key) {
    return Status(Code::kInvalidArgument,
                  "only one of " + cert_file + " and " + key_file +
                      " exists; refusing to create a self-signed pair over it");
  }
  const std::string cn = hostname.empty() ? "localhost" : hostname;

  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return Status(Code::kIo, "cannot generate an EC P-256 key");
  Ptr<X509> cert(X509_new());
  if (!cert) return Status(Code::kIo, "X509_new failed");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return Status(Code::kIo, "RAND_bytes failed");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (bn == nullptr) return Status(Code::kIo, "BN_bin2bn failed");
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("tegami self-signed"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);

  std::string san = is_ip_literal(cn) ? "IP:" + cn : "DNS:" + cn;
  if (cn != "localhost") san += ",DNS:localhost";
  if (cn != "127.0.0.1") san += ",IP:127.0.0.1";
  if (cn != "::1") san += ",IP:::1";
  for (Status s : {add_extension(cert.get(), NID_subject_alt_name, san),
                   add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"),
                   add_extension(cert.get(), NID_key_usage, "critical,digitalSignature"),
                   add_extension(cert.get(), NID_ext_key_usage, "serverAuth"),
                   add_extension(cert.get(), NID_subject_key_identifier, "hash")}) {
    if (!s.ok()) return s;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Status(Code::kIo, "cannot sign the self-signed certificate");
  }

  Ptr<BIO> key_pem(BIO_new(BIO_s_mem()));
  Ptr<BIO> cert_pem(BIO_new(BIO_s_mem()));
  if (!key_pem || !cert_pem ||
      PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509(cert_pem.get(), cert.get()) != 1) {
    return Status(Code::kIo, "cannot encode the self-signed certificate as PEM");
  }
  if (Status s = make_dirs(key_file); !s.ok()) return s;
  if (Status s = make_dirs(cert_file); !s.ok()) return s;
  if (Status s = write_durably(key_file, bio_text(key_pem.get()), 0600); !s.ok()) return s;
  if (Status s = write_durably(cert_file, bio_text(cert_pem.get()), 0644); !s.ok()) return s;
  return true;
}

}  // namespace tegami::daemon
