// The cacheable structure encoding: round trip, versioning, corrupt input refused.
#include <doctest/doctest.h>

#include "dovecot_vectors.h"
#include "mime/imap_render.h"
#include "mime/parser.h"
#include "mime/serialize.h"

TEST_CASE("encode/decode round trip renders identically") {
  for (const auto& v : dovecot_vectors::kVectors) {
    CAPTURE(v.name);
    auto s = mime::parse(v.message);
    std::string bytes = mime::encode_structure(s);
    auto back = mime::decode_structure(bytes);
    REQUIRE(back.ok());
    CHECK(mime::render_body(*back, true) == mime::render_body(s, true));
    CHECK(mime::render_envelope(*back) == mime::render_envelope(s));
    CHECK(back->size_crlf == s.size_crlf);
    CHECK(mime::encode_structure(*back) == bytes);
  }
}

TEST_CASE("another version, truncation and garbage are kCorrupt") {
  auto s = mime::parse(dovecot_vectors::kVectors[3].message);
  std::string bytes = mime::encode_structure(s);
  std::string v2 = bytes;
  v2[2] = 2;
  CHECK(mime::decode_structure(v2).status().code() == maildir::Code::kCorrupt);
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK_FALSE(mime::decode_structure(std::string_view(bytes).substr(0, n)).ok());
  CHECK_FALSE(mime::decode_structure(bytes + "x").ok());
  CHECK_FALSE(mime::decode_structure("").ok());
  CHECK_FALSE(mime::decode_structure("TM\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").ok());
}
