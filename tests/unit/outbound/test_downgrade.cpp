// 8-bit → 7-bit conversion for servers without 8BITMIME (RFC 6152 §3) and the quoted-printable
// encoder (RFC 2045 §6.7).
#include <doctest/doctest.h>

#include "mime/transfer.h"
#include "outbound/downgrade.h"

using tegami::outbound::downgrade_to_7bit;
using tegami::outbound::encode_quoted_printable;

namespace {
bool seven_bit(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}
}  // namespace

TEST_CASE("quoted-printable: escapes, trailing white space, soft breaks, round trip") {
  CHECK(encode_quoted_printable("a=b\r\n") == "a=3Db\r\n");
  CHECK(encode_quoted_printable("end \r\nx\t") == "end=20\r\nx=09");
  CHECK(encode_quoted_printable("caf\xc3\xa9") == "caf=C3=A9");
  CHECK(encode_quoted_printable("bare\nlf") == "bare=0Alf");
  std::string long_line(200, 'x');
  std::string enc = encode_quoted_printable(long_line + "\r\n");
  size_t start = 0;
  while (start < enc.size()) {
    size_t end = enc.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    CHECK(end - start <= 76);
    start = end + 2;
  }
  std::string mixed =
      "Gr\xc3\xbc\xc3\x9f"
      "e = 100 % \r\n" +
      std::string(90, '\xe2') + " \r\n.\r\n";
  CHECK(mime::transfer_decode("quoted-printable", encode_quoted_printable(mixed)) == mixed);
}

TEST_CASE("a 7-bit message is left alone") {
  std::string m = "Subject: hi\r\n\r\nplain ascii\r\n";
  CHECK(downgrade_to_7bit(m) == m);
}

TEST_CASE("single part 8bit text becomes quoted-printable, MIME-Version added") {
  std::string m =
      "From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\nK\xc3\xb6ln\r\n";
  auto out = downgrade_to_7bit(m);
  REQUIRE(out);
  CHECK(seven_bit(*out));
  CHECK(*out ==
        "From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nK=C3=B6ln\r\n");
}

TEST_CASE("multipart: only the 8-bit leaf is re-encoded, the container says 7bit") {
  std::string m =
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\npreamble\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nascii only\r\n"
      "--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding:\r\n"
      " 8bit\r\n\r\ncaf\xe9\r\n"
      "--b--\r\n";
  auto out = downgrade_to_7bit(m);
  REQUIRE(out);
  CHECK(seven_bit(*out));
  CHECK(out->find("Content-Transfer-Encoding: 7bit\r\n") != std::string::npos);
  CHECK(out->find("ascii only\r\n--b") != std::string::npos);
  CHECK(out->find("Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n--b--") !=
        std::string::npos);
  CHECK(out->find(" 8bit") == std::string::npos);              // the folded old field is gone whole
  CHECK(out->find("MIME-Version: 1.0\r\nContent-Type") == 0);  // not added twice
}

TEST_CASE("what cannot be converted: 8-bit header, 8-bit inside base64, 8-bit preamble") {
  CHECK_FALSE(downgrade_to_7bit("Subject: caf\xc3\xa9\r\n\r\nbody\r\n"));
  CHECK_FALSE(downgrade_to_7bit(
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nAB\xff\r\n"));
  CHECK_FALSE(downgrade_to_7bit(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\npre\xff\r\n--b\r\n\r\nx\r\n--b--\r\n"));
}
