// The self-signed certificate made on a first start: what a TLS client would check.
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "daemon/self_signed.h"
#include "temp_dir.h"

using tegami::daemon::ensure_self_signed_certificate;

namespace {
X509* read_cert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* c = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return c;
}
EVP_PKEY* read_key(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return k;
}
}  // namespace

TEST_CASE("a missing pair is created: key 0600, CN and SAN name the host, key matches") {
  TempDir dir;
  std::string cert = dir.path() + "/tls/sub/cert.pem";
  std::string key = dir.path() + "/tls/sub/key.pem";
  auto made = ensure_self_signed_certificate(cert, key, "mail.example.test");
  REQUIRE(made.ok());
  CHECK(*made == true);

  struct stat st {};
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  X509* c = read_cert(cert);
  EVP_PKEY* k = read_key(key);
  REQUIRE(c != nullptr);
  REQUIRE(k != nullptr);
  CHECK(X509_check_private_key(c, k) == 1);
  CHECK(X509_check_host(c, "mail.example.test", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(c, "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(c, "127.0.0.1", 0) == 1);
  CHECK(X509_check_host(c, "other.example.test", 0, 0, nullptr) != 1);
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, cn, sizeof cn);
  CHECK(std::string(cn) == "mail.example.test");
  CHECK(X509_cmp_current_time(X509_get0_notAfter(c)) > 0);
  CHECK(X509_cmp_current_time(X509_get0_notBefore(c)) < 0);
  X509_free(c);
  EVP_PKEY_free(k);
}

TEST_CASE("an existing pair is left alone") {
  TempDir dir;
  std::string cert = dir.path() + "/cert.pem";
  std::string key = dir.path() + "/key.pem";
  REQUIRE(ensure_self_signed_certificate(cert, key, "localhost").ok());
  std::ifstream in(cert);
  std::string before((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto again = ensure_self_signed_certificate(cert, key, "localhost");
  REQUIRE(again.ok());
  CHECK(*again == false);
  std::ifstream in2(cert);
  std::string after((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  CHECK(before == after);
}

TEST_CASE("half a pair is refused, never overwritten") {
  TempDir dir;
  std::string cert = dir.path() + "/cert.pem";
  std::string key = dir.path() + "/key.pem";
  { std::ofstream(key) << "admin's key\n"; }
  auto r = ensure_self_signed_certificate(cert, key, "localhost");
  CHECK_FALSE(r.ok());
  CHECK(r.status().code() == maildir::Code::kInvalidArgument);
  std::ifstream in(key);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == "admin's key\n");
}

TEST_CASE("an IP literal hostname goes into the SAN as an IP") {
  TempDir dir;
  std::string cert = dir.path() + "/c.pem";
  std::string key = dir.path() + "/k.pem";
  REQUIRE(ensure_self_signed_certificate(cert, key, "192.0.2.10").ok());
  X509* c = read_cert(cert);
  REQUIRE(c != nullptr);
  CHECK(X509_check_ip_asc(c, "192.0.2.10", 0) == 1);
  X509_free(c);
}
