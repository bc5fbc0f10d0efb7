// Searchable text: a Japanese word is found whichever encoding the message used.
#include <doctest/doctest.h>

#include <string>

#include "mime/body_text.h"
#include "mime/charset.h"
#include "mime/parser.h"
#include "mime/search_text.h"
#include "mime/transfer.h"

namespace {
std::string b64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v =
        (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i < in.size()) {
    unsigned v =
        (unsigned char)in[i] << 16 | (i + 1 < in.size() ? (unsigned char)in[i + 1] << 8 : 0);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}
}  // namespace

TEST_CASE("a Japanese body word is found in ISO-2022-JP, Shift_JIS, EUC-JP and UTF-8 base64") {
  const std::string word = "請求書";
  const std::string text = "今月の請求書を送ります\n";
  struct Enc {
    const char* charset;
    const char* cte;
  };
  for (Enc e : {Enc{"ISO-2022-JP", "7bit"}, Enc{"Shift_JIS", "8bit"}, Enc{"EUC-JP", "8bit"},
                Enc{"UTF-8", "base64"}, Enc{"Shift_JIS", "base64"}}) {
    CAPTURE(e.charset);
    CAPTURE(e.cte);
    std::string bytes = mime::from_utf8(e.charset, text).value();
    if (std::string_view(e.cte) == "base64") bytes = b64(bytes) + "\n";
    std::string msg =
        "Subject: x\nContent-Type: multipart/mixed; boundary=z\n\n--z\n"
        "Content-Type: text/plain; charset=" +
        std::string(e.charset) + "\nContent-Transfer-Encoding: " + e.cte + "\n\n" + bytes +
        "--z\nContent-Type: application/pdf\n\n%PDF 請求書\n--z--\n";
    auto s = mime::parse(msg);
    std::string body = mime::decoded_body_text(s, msg);
    CHECK(mime::text_contains(body, word));
    CHECK(body.find("%PDF") == std::string::npos);  // non-text parts are not searched as text
  }
}

TEST_CASE("a Japanese subject is found whether ISO-2022-JP or Shift_JIS encoded-words") {
  std::string jis = mime::from_utf8("ISO-2022-JP", "会議の件").value();
  std::string sj = mime::from_utf8("Shift_JIS", "会議の件").value();
  for (const std::string& subject :
       {"=?ISO-2022-JP?B?" + b64(jis) + "?=", "=?Shift_JIS?B?" + b64(sj) + "?=",
        std::string("=?UTF-8?Q?=E4=BC=9A=E8=AD=B0=E3=81=AE=E4=BB=B6?=")}) {
    CAPTURE(subject);
    std::string msg = "From: a@b\nSubject: " + subject + "\n\nbody\n";
    auto s = mime::parse(msg);
    CHECK(mime::decoded_header_field(s, msg, "subject") == "会議の件");
    CHECK(mime::text_contains(mime::decoded_header_text(s, msg), "会議"));
  }
}

TEST_CASE("quoted-printable Latin-1 body is searched case-insensitively") {
  std::string msg =
      "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
      "quoted-printable\n\n"
      "Caf=C9 CR=C8ME=\n BR=DBL=C9E\n";
  auto s = mime::parse(msg);
  CHECK(mime::text_contains(mime::decoded_body_text(s, msg), "café crème brûlée"));
}
