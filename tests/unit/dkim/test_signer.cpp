// The signer: known body hashes, the signature verifies with the public key (OpenSSL), streaming
// gives the same signature as one piece, header selection and oversigning, limits.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <map>
#include <string>

#include "dkim/canon.h"
#include "dkim/key.h"
#include "dkim/signer.h"

using namespace tegami_dkim;

namespace {

// The tags of a DKIM-Signature field (whitespace removed from values, as a verifier does).
std::map<std::string, std::string> tags(std::string field) {
  std::map<std::string, std::string> out;
  std::string v = field.substr(field.find(':') + 1);
  std::string clean;
  for (char c : v)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') clean += c;
  std::size_t pos = 0;
  while (pos < clean.size()) {
    std::size_t semi = clean.find(';', pos);
    if (semi == std::string::npos) semi = clean.size();
    std::string part = clean.substr(pos, semi - pos);
    std::size_t eq = part.find('=');
    if (eq != std::string::npos) out[part.substr(0, eq)] = part.substr(eq + 1);
    pos = semi + 1;
  }
  return out;
}

std::string unbase64(const std::string& s) {
  std::string out(s.size(), '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  REQUIRE(n >= 0);
  out.resize(static_cast<std::size_t>(n));
  std::size_t pad = 0;
  for (std::size_t i = s.size(); i-- > 0 && s[i] == '=';) ++pad;
  out.resize(out.size() - pad);
  return out;
}

std::string sha256_b64(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return base64(std::string_view(reinterpret_cast<char*>(md), len));
}

// Verifies `field` over `message` with the key's public half, recomputing the signed data the
// way RFC 6376 §3.7 describes (independently of the signer's own assembly).
bool verify(const Key& key, const std::string& field, const std::string& message) {
  auto t = tags(field);
  std::size_t end = header_end(message);
  std::string head = end == std::string::npos ? message : message.substr(0, end);
  std::string body = end == std::string::npos ? "" : message.substr(end);
  if (sha256_b64(relaxed_body(body)) != t["bh"]) return false;
  std::vector<std::string> names;
  std::string h = t["h"];
  for (std::size_t p = 0; p <= h.size();) {
    std::size_t c = h.find(':', p);
    if (c == std::string::npos) c = h.size();
    names.push_back(h.substr(p, c - p));
    p = c + 1;
  }
  std::string data;
  std::vector<HeaderField> fields = split_header(head);
  for (std::string_view raw : select_fields(fields, names))
    if (!raw.empty()) data += relaxed_header(raw);
  // The field itself with the b= value removed.
  std::size_t b = field.find("b=", field.find("bh=") + 3);
  std::string stripped = field.substr(0, b + 2);
  std::string self = relaxed_header(stripped);
  data += self.substr(0, self.size() - 2);
  std::string sig = unbase64(t["b"]);
  // A public-only key from the DER we publish.
  std::string der = unbase64(key.public_b64());
  EVP_PKEY* pub = nullptr;
  if (key.algorithm() == Algorithm::kRsaSha256) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  } else {
    pub = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(der.data()), der.size());
  }
  REQUIRE(pub != nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string input = data;
  const EVP_MD* md = EVP_sha256();
  if (key.algorithm() == Algorithm::kEd25519Sha256) {
    unsigned char d[32];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), d, &len, EVP_sha256(), nullptr);
    input.assign(reinterpret_cast<char*>(d), len);
    md = nullptr;
  }
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pub) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pub);
  return ok;
}

const Key& rsa_key() {
  static Key k = *Key::generate(Algorithm::kRsaSha256, 2048);
  return k;
}
const Key& ed_key() {
  static Key k = *Key::generate(Algorithm::kEd25519Sha256);
  return k;
}

SignOptions opts() {
  SignOptions o;
  o.domain = "example.com";
  o.selector = "s1";
  o.timestamp = 1765000000;
  return o;
}

const std::string kMessage =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject:  Hello   there \r\n"
    "Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
    "Message-ID: <1@example.com>\r\n"
    "X-Not-Signed: yes\r\n"
    "\r\n"
    "Hi Bob,  \r\n\r\nbye\r\n\r\n\r\n";

}  // namespace

TEST_CASE("empty_body_hash") {
  // SHA-256 of the empty string: the relaxed hash of an empty body.
  auto f = sign(rsa_key(), opts(), "From: a@example.com\r\n\r\n");
  REQUIRE(f.ok());
  CHECK(tags(*f)["bh"] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  // No empty line at all: still an empty body.
  auto g = sign(rsa_key(), opts(), "From: a@example.com\r\n");
  REQUIRE(g.ok());
  CHECK(tags(*g)["bh"] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST_CASE("signature_verifies_rsa_and_ed25519") {
  for (const Key* k : {&rsa_key(), &ed_key()}) {
    auto f = sign(*k, opts(), kMessage);
    REQUIRE(f.ok());
    auto t = tags(*f);
    CHECK(t["v"] == "1");
    CHECK(t["a"] == std::string(algorithm_tag(k->algorithm())));
    CHECK(t["c"] == "relaxed/relaxed");
    CHECK(t["d"] == "example.com");
    CHECK(t["s"] == "s1");
    CHECK(t["t"] == "1765000000");
    CHECK(t["h"] == "from:from:to:subject:date:message-id");
    CHECK(verify(*k, *f, kMessage));
    // A changed body or signed header breaks it; an unsigned header does not.
    std::string changed = kMessage;
    changed.replace(changed.find("bye"), 3, "BYE");
    CHECK_FALSE(verify(*k, *f, changed));
    std::string subj = kMessage;
    subj.replace(subj.find("Hello"), 5, "Hallo");
    CHECK_FALSE(verify(*k, *f, subj));
    std::string extra = kMessage;
    extra.replace(extra.find("X-Not-Signed: yes"), 17, "X-Not-Signed: no");
    CHECK(verify(*k, *f, extra));
    // Relaxed: whitespace changes in the body survive.
    std::string ws = kMessage;
    ws.replace(ws.find("Hi Bob,  "), 9, "Hi  Bob,");
    CHECK(verify(*k, *f, ws));
  }
}

TEST_CASE("field_is_folded_and_ends_with_crlf") {
  auto f = sign(rsa_key(), opts(), kMessage);
  REQUIRE(f.ok());
  CHECK(f->rfind("DKIM-Signature: v=1; a=rsa-sha256;", 0) == 0);
  CHECK(f->substr(f->size() - 2) == "\r\n");
  std::size_t pos = 0;
  while (pos < f->size()) {
    std::size_t eol = f->find("\r\n", pos);
    REQUIRE(eol != std::string::npos);
    CHECK(eol - pos <= 78);
    if (pos > 0) CHECK((*f)[pos] == '\t');
    pos = eol + 2;
  }
  CHECK(f->find('\n') != f->size() - 1);  // it was folded at least once
}

TEST_CASE("streaming_equals_one_piece") {
  std::string big = "From: a@example.com\r\nSubject: big\r\n\r\n";
  for (int i = 0; i < 2000; ++i) big += "line " + std::to_string(i) + " \t with  space\r\n";
  big += "\r\n\r\n";
  for (const Key* k : {&rsa_key(), &ed_key()}) {
    auto whole = sign(*k, opts(), big);
    REQUIRE(whole.ok());
    for (std::size_t step : {1, 2, 3, 5, 1000}) {
      CAPTURE(step);
      Signer s(*k, opts());
      for (std::size_t i = 0; i < big.size(); i += step)
        s.update(std::string_view(big).substr(i, step));
      auto f = s.finish();
      REQUIRE(f.ok());
      CHECK(*f == *whole);
    }
    CHECK(verify(*k, *whole, big));
  }
}

TEST_CASE("refusals") {
  auto no_from = sign(rsa_key(), opts(), "To: b@example.org\r\n\r\nhi\r\n");
  CHECK(no_from.status().code() == maildir::Code::kInvalidArgument);
  std::string huge =
      "From: a@example.com\r\nX-Big: " + std::string(kMaxHeader + 10, 'x') + "\r\n\r\nbody\r\n";
  auto big = sign(rsa_key(), opts(), huge);
  CHECK(big.status().code() == maildir::Code::kLimit);
}

TEST_CASE("key_pem_round_trip_and_dns") {
  for (const Key* k : {&rsa_key(), &ed_key()}) {
    auto again = Key::load_pem(k->private_pem());
    REQUIRE(again.ok());
    CHECK(again->public_b64() == k->public_b64());
    CHECK(again->algorithm() == k->algorithm());
  }
  CHECK(rsa_key().dns_txt().rfind("v=DKIM1; k=rsa; p=MIIB", 0) == 0);
  CHECK(ed_key().dns_txt().rfind("v=DKIM1; k=ed25519; p=", 0) == 0);
  CHECK(ed_key().public_b64().size() == 44);  // 32 bytes
  CHECK(Key::load_pem("garbage").status().code() == maildir::Code::kCorrupt);
  CHECK(Key::generate(Algorithm::kRsaSha256, 512).status().code() ==
        maildir::Code::kInvalidArgument);
  std::string q = quoted_txt(std::string(300, 'a'));
  CHECK(q == "\"" + std::string(255, 'a') + "\" \"" + std::string(45, 'a') + "\"");
}
