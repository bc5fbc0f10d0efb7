// The streaming parser: byte ranges and CRLF sizes agree with the bytes, IMAP part numbering,
// broken MIME, and the limits (time-bounded).
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "mime/parser.h"
#include "mime/section.h"

namespace {

// The IMAP bytes of a stored region: bare LF → CRLF.
std::string crlf(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}

std::string region(std::string_view msg, const mime::Span& sp) {
  return std::string(msg.substr(sp.offset, sp.length));
}

std::string section(std::string_view msg, const mime::Structure& s, std::string_view n,
                    mime::SectionText t) {
  auto sp = mime::section_span(s, n, t);
  REQUIRE(sp.has_value());
  std::string r = region(msg, *sp);
  CHECK(crlf(r).size() == sp->size);  // IMAP size agrees with the bytes served
  return r;
}

const char* kNested =
    "From: a@b\n"
    "Subject: outer\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
    "\n"
    "preamble\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain\n"
    "\n"
    "plain text\n"
    "--inner\n"
    "Content-Type: text/html\n"
    "\n"
    "<p>html</p>\n"
    "--inner--\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: inner message\n"
    "Content-Type: multipart/mixed; boundary=x\n"
    "\n"
    "--x\n"
    "\n"
    "first\n"
    "--x\n"
    "Content-Type: image/png\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0K\n"
    "--x--\n"
    "--outer--\n"
    "epilogue\n";

}  // namespace

TEST_CASE("sections of a nested message resolve to the right bytes") {
  std::string_view msg = kNested;
  auto s = mime::parse(msg);
  using T = mime::SectionText;
  CHECK(section(msg, s, "", T::kAll) == msg);
  CHECK(section(msg, s, "1.1", T::kAll) == "plain text");
  CHECK(section(msg, s, "1.2", T::kAll) == "<p>html</p>");
  CHECK(section(msg, s, "1.2", T::kMime) == "Content-Type: text/html\n\n");
}

TEST_CASE("message/rfc822 parts: N.HEADER, N.TEXT, N.MIME and numbers inside") {
  std::string_view msg = kNested;
  auto s = mime::parse(msg);
  using T = mime::SectionText;
  CHECK(section(msg, s, "2", T::kHeader) ==
        "Subject: inner message\nContent-Type: multipart/mixed; boundary=x\n\n");
  CHECK(section(msg, s, "2", T::kMime) == "Content-Type: message/rfc822\n\n");
  CHECK(section(msg, s, "2.1", T::kAll) == "first");
  CHECK(section(msg, s, "2.2", T::kAll) == "iVBORw0K");
  CHECK(section(msg, s, "2.2", T::kMime) ==
        "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n");
  std::string text = section(msg, s, "2", T::kText);
  CHECK(text.rfind("--x\n", 0) == 0);
  CHECK(text.substr(text.size() - 6) == "--x--\n");
  CHECK(section(msg, s, "", T::kHeader).rfind("From: a@b\n", 0) == 0);
  CHECK_FALSE(mime::section_span(s, "3", T::kAll).has_value());
  CHECK_FALSE(mime::section_span(s, "1.3", T::kAll).has_value());
  CHECK_FALSE(mime::section_span(s, "1.1.2", T::kAll).has_value());
  CHECK(section(msg, s, "1.1.1", T::kAll) == "plain text");  // N.1 of a leaf is N (Dovecot)
  CHECK_FALSE(mime::section_span(s, "0", T::kAll).has_value());
  CHECK_FALSE(mime::section_span(s, "1", T::kHeader).has_value());  // not a message part
  CHECK_FALSE(mime::section_span(s, "", T::kMime).has_value());
}

TEST_CASE("a non-multipart message: BODY[1] is its body") {
  std::string_view msg = "Subject: x\n\nbody\n";
  auto s = mime::parse(msg);
  CHECK(section(msg, s, "1", mime::SectionText::kAll) == "body\n");
  CHECK(section(msg, s, "", mime::SectionText::kText) == "body\n");
  CHECK_FALSE(mime::section_span(s, "2", mime::SectionText::kAll).has_value());
}

TEST_CASE("CRLF and LF storage give the same IMAP sizes") {
  std::string lf = kNested;
  std::string cr = crlf(lf);
  auto a = mime::parse(lf);
  auto b = mime::parse(cr);
  REQUIRE(a.parts.size() == b.parts.size());
  CHECK(a.size_crlf == cr.size());
  CHECK(b.size_crlf == cr.size());
  CHECK(b.size_lf == cr.size());
  for (size_t i = 0; i < a.parts.size(); ++i) {
    CAPTURE(i);
    CHECK(a.parts[i].body.crlf == b.parts[i].body.crlf);
    CHECK(a.parts[i].body.lines == b.parts[i].body.lines);
    CHECK(a.parts[i].header.crlf == b.parts[i].header.crlf);
  }
}

TEST_CASE("broken MIME: missing close delimiter, no delimiter at all, boundary-less multipart") {
  auto a = mime::parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nnever closed\n");
  REQUIRE(a.parts.size() == 2);
  CHECK(a.parts[1].body.lf == 13);
  auto b = mime::parse("Content-Type: multipart/mixed; boundary=b\n\nno parts\n");
  REQUIRE(b.parts.size() == 2);  // one empty text/plain part, as Dovecot shows it
  CHECK(b.parts[1].body.lf == 0);
  auto c = mime::parse("Content-Type: multipart/mixed\n\n--b\n\nx\n");
  CHECK(c.parts.size() == 2);
  auto d = mime::parse("Content-Type: text/plain\nno blank line and no end");
  CHECK(d.parts.size() == 1);
  CHECK(d.parts[0].body.lf == 0);
  auto e = mime::parse(std::string("Subject: \0nul\n\n\0body", 20));
  CHECK(e.size_lf == 20);
}

TEST_CASE("500,000 address headers are answered quickly with a bounded result") {
  std::string msg;
  msg.reserve(500000 * 20);
  for (int i = 0; i < 500000; ++i) msg += "To: user" + std::to_string(i) + "@example.com\n";
  msg += "\nbody\n";
  auto t0 = std::chrono::steady_clock::now();
  auto s = mime::parse(msg);
  auto dt = std::chrono::steady_clock::now() - t0;
  CHECK(dt < std::chrono::seconds(10));  // linear: well under 1 s unloaded
  CHECK(s.limited);
  CHECK(s.parts[0].header_truncated);
  CHECK(s.size_lf == msg.size());
  CHECK(s.envelopes[0].to == "user0@example.com");
}

TEST_CASE("10,000 nested multiparts stop at the depth limit quickly") {
  std::string msg;
  for (int i = 0; i < 10000; ++i)
    msg += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
           std::to_string(i) + "\n";
  msg += "\ninnermost\n";
  auto t0 = std::chrono::steady_clock::now();
  auto s = mime::parse(msg);
  auto dt = std::chrono::steady_clock::now() - t0;
  CHECK(dt < std::chrono::seconds(10));  // linear: well under 1 s unloaded
  CHECK(s.limited);
  uint32_t max_depth = 0;
  for (const auto& p : s.parts) max_depth = std::max(max_depth, p.depth);
  CHECK(max_depth <= mime::Limits{}.max_depth + 1);
  CHECK(s.size_lf == msg.size());
}

TEST_CASE("10,000 nested message/rfc822 parts stop at the depth limit") {
  std::string msg;
  for (int i = 0; i < 10000; ++i) msg += "Content-Type: message/rfc822\n\n";
  msg += "Subject: deepest\n\nx\n";
  auto s = mime::parse(msg);
  CHECK(s.limited);
  CHECK(s.parts.size() <= mime::Limits{}.max_depth + 2);
}

TEST_CASE("the parts limit bounds a flat multipart with many parts") {
  std::string msg = "Content-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < 50000; ++i) msg += "--b\n\nx\n";
  msg += "--b--\n";
  mime::Limits lim;
  lim.max_parts = 1000;
  auto s = mime::parse(msg, lim);
  CHECK(s.limited);
  CHECK(s.parts.size() <= 1001);
  CHECK(s.size_lf == msg.size());
}

TEST_CASE("an over-long header line is cut at the line limit and still counted") {
  std::string msg = "Subject: " + std::string(200000, 'a') + "\n\nbody";
  auto s = mime::parse(msg);
  CHECK(s.envelopes[0].subject.size() < 70000);
  CHECK(s.parts[0].body.lf == 4);
  CHECK(s.size_lf == msg.size());
}

TEST_CASE("MIME fields are recorded") {
  auto s = mime::parse(
      "Content-Type: text/plain; charset=\"ISO-2022-JP\"; format=flowed (comment)\n"
      "Content-Transfer-Encoding: 7bit\n"
      "Content-ID: <x@y>\n"
      "Content-Disposition: attachment; filename*=UTF-8''%E8%B3%87%E6%96%99.txt\n"
      "Content-Language: ja, en-US\n"
      "Content-Location: http://exa\n mple/\n"
      "\nbody\n");
  const auto& p = s.parts[0];
  CHECK(p.type == "text");
  REQUIRE(p.params.size() == 2);
  CHECK(p.params[0].value == "ISO-2022-JP");
  CHECK(p.params[1].value == "flowed");
  CHECK(p.encoding == "7bit");
  CHECK(p.id == "<x@y>");
  CHECK(p.disposition == "attachment");
  REQUIRE(p.disposition_params.size() == 1);
  CHECK(p.disposition_params[0].name == "filename*");
  CHECK(p.language == std::vector<std::string>{"ja", "en-US"});
  CHECK(p.location == "http://example/");
}
