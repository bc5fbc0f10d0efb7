// Charset conversion. glibc iconv does the table work; tegami only adds the alias table and an
// ISO-2022-JP front end: ISO-2022-JP's JIS X 0208 rows are re-encoded as Shift_JIS bytes and
// converted as CP932, so Microsoft's extensions (NEC row 13, NEC-selected IBM rows 89-92 as
// CP50220/50221 write them) and half-width katakana (ESC ( I, SO/SI) come out right; glibc's
// own ISO-2022-JP converter rejects them.
#include "mime/charset.h"

#include <iconv.h>

#include <cerrno>
#include <string>

namespace mime {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c + 32);
  return out;
}

enum class Special { kNone, kUtf8, kIso2022Jp };

// Maps a MIME charset name to an iconv name; `special` for the ones handled here.
std::string iconv_name(std::string_view charset, Special& special) {
  std::string c = lower(charset);
  special = Special::kNone;
  if (c == "utf-8" || c == "utf8" || c == "us-ascii" || c == "ascii" || c == "ansi_x3.4-1968" ||
      c.empty()) {
    special = Special::kUtf8;
    return "UTF-8";
  }
  if (c == "iso-2022-jp" || c == "csiso2022jp" || c == "iso-2022-jp-ms" || c == "cp50220" ||
      c == "cp50221" || c == "cp50222" || c == "iso-2022-jp-1" || c == "iso-2022-jp-2" ||
      c == "iso-2022-jp-3") {
    special = Special::kIso2022Jp;
    return "CP932";
  }
  if (c == "shift_jis" || c == "shift-jis" || c == "sjis" || c == "x-sjis" || c == "ms_kanji" ||
      c == "cp932" || c == "windows-31j" || c == "ms932" || c == "csshiftjis" || c == "x-ms-cp932")
    return "CP932";
  if (c == "euc-jp" || c == "x-euc-jp" || c == "eucjp" || c == "cseucpkdfmtjapanese" ||
      c == "eucjp-ms" || c == "euc-jp-ms")
    return "EUC-JP-MS";
  if (c == "latin1" || c == "iso8859-1") return "ISO-8859-1";
  if (c.rfind("windows-", 0) == 0) return "CP" + c.substr(8);
  if (c.rfind("x-mac-", 0) == 0) return "MAC";
  return c;
}

void append_replacement(std::string& out) {
  out += "\xEF\xBF\xBD";
}

// Converts with an open descriptor; undecodable input becomes U+FFFD.
void convert(iconv_t cd, std::string_view in, std::string& out) {
  char* src = const_cast<char*>(in.data());
  size_t left = in.size();
  char buf[4096];
  while (left > 0) {
    char* dst = buf;
    size_t room = sizeof buf;
    size_t r = iconv(cd, &src, &left, &dst, &room);
    out.append(buf, static_cast<size_t>(dst - buf));
    if (r == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      append_replacement(out);
      if (errno == EINVAL) break;  // incomplete sequence at the end
      ++src;                       // EILSEQ: skip one byte
      --left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  char* dst = buf;
  size_t room = sizeof buf;
  iconv(cd, nullptr, nullptr, &dst, &room);
  out.append(buf, static_cast<size_t>(dst - buf));
}

// UTF-8 with invalid sequences replaced.
void sanitize_utf8(std::string_view in, std::string& out) {
  size_t i = 0;
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= in.size();
    for (size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (ok && n == 2) ok = c >= 0xC2;
    if (ok && n == 3) {
      unsigned char d = static_cast<unsigned char>(in[i + 1]);
      ok = !(c == 0xE0 && d < 0xA0) && !(c == 0xED && d >= 0xA0);
    }
    if (ok && n == 4) {
      unsigned char d = static_cast<unsigned char>(in[i + 1]);
      ok = c <= 0xF4 && !(c == 0xF0 && d < 0x90) && !(c == 0xF4 && d >= 0x90);
    }
    if (ok) {
      out.append(in.substr(i, n));
      i += n;
    } else {
      append_replacement(out);
      ++i;
    }
  }
}

// ISO-2022-JP (and CP5022x) → CP932 bytes, then CP932 → UTF-8. JIS X 0212 characters
// (ESC $ ( D) go through EUC-JP-MS.
void iso2022jp_to_utf8(std::string_view in, std::string& out) {
  enum class Mode { kAscii, kJis0208, kKana, kJis0212 } mode = Mode::kAscii;
  bool shift_out = false;
  std::string sjis;
  iconv_t cd = iconv_open("UTF-8", "CP932");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    sanitize_utf8(in, out);
    return;
  }
  auto flush = [&]() {
    if (!sjis.empty()) {
      convert(cd, sjis, out);
      sjis.clear();
    }
  };
  size_t i = 0;
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == 0x1B) {
      std::string_view rest = in.substr(i + 1);
      if (rest.rfind("(B", 0) == 0 || rest.rfind("(J", 0) == 0 || rest.rfind("(H", 0) == 0) {
        mode = Mode::kAscii;
        i += 3;
      } else if (rest.rfind("$B", 0) == 0 || rest.rfind("$@", 0) == 0) {
        mode = Mode::kJis0208;
        i += 3;
      } else if (rest.rfind("$(B", 0) == 0 || rest.rfind("$(Q", 0) == 0 ||
                 rest.rfind("$(O", 0) == 0) {
        mode = Mode::kJis0208;
        i += 4;
      } else if (rest.rfind("(I", 0) == 0) {
        mode = Mode::kKana;
        i += 3;
      } else if (rest.rfind("$(D", 0) == 0) {
        mode = Mode::kJis0212;
        i += 4;
      } else if (rest.rfind("&@", 0) == 0) {
        i += 3;  // JIS X 0208-1990 announcer
      } else {
        sjis += '?';
        ++i;
      }
      continue;
    }
    if (c == 0x0E) {
      shift_out = true;
      ++i;
      continue;
    }
    if (c == 0x0F) {
      shift_out = false;
      ++i;
      continue;
    }
    if (c == '\n' || c == '\r') {
      // line ends reset nothing in strict ISO-2022-JP, but senders often forget ESC ( B
      sjis += static_cast<char>(c);
      ++i;
      continue;
    }
    if ((shift_out || mode == Mode::kKana) && c >= 0x21 && c <= 0x5F) {
      sjis += static_cast<char>(c + 0x80);
      ++i;
      continue;
    }
    if ((mode == Mode::kJis0208 || mode == Mode::kJis0212) && c >= 0x21 && c <= 0x7E &&
        i + 1 < in.size()) {
      unsigned char d = static_cast<unsigned char>(in[i + 1]);
      if (d >= 0x21 && d <= 0x7E) {
        if (mode == Mode::kJis0212) {
          flush();
          std::string euc = {'\x8F', static_cast<char>(c | 0x80), static_cast<char>(d | 0x80)};
          auto u = to_utf8("EUC-JP-MS", euc);
          out += u ? *u : "\xEF\xBF\xBD";
        } else {
          unsigned s1 = ((c + 1u) >> 1) + (c <= 0x5E ? 0x70u : 0xB0u);
          unsigned s2 = (c & 1) ? d + (d > 0x5F ? 0x20u : 0x1Fu) : d + 0x7Eu;
          sjis += static_cast<char>(s1);
          sjis += static_cast<char>(s2);
        }
        i += 2;
        continue;
      }
    }
    if (c >= 0x80) {
      // 8-bit bytes do not belong in ISO-2022-JP; many senders put Shift_JIS there
      sjis += static_cast<char>(c);
      ++i;
      continue;
    }
    sjis += static_cast<char>(c);
    ++i;
  }
  flush();
  iconv_close(cd);
}

}  // namespace

bool valid_utf8(std::string_view s) {
  std::string tmp;
  tmp.reserve(s.size());
  sanitize_utf8(s, tmp);
  return tmp == s;
}

bool charset_known(std::string_view charset) {
  Special sp;
  std::string name = iconv_name(charset, sp);
  if (sp != Special::kNone) return true;
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  iconv_close(cd);
  return true;
}

std::optional<std::string> to_utf8(std::string_view charset, std::string_view bytes) {
  Special sp;
  std::string name = iconv_name(charset, sp);
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  if (sp == Special::kUtf8) {
    sanitize_utf8(bytes, out);
    return out;
  }
  if (sp == Special::kIso2022Jp) {
    iso2022jp_to_utf8(bytes, out);
    return out;
  }
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  convert(cd, bytes, out);
  iconv_close(cd);
  return out;
}

std::optional<std::string> from_utf8(std::string_view charset, std::string_view utf8) {
  Special sp;
  std::string name = iconv_name(charset, sp);
  if (sp == Special::kUtf8) return std::string(utf8);
  if (sp == Special::kIso2022Jp) name = "ISO-2022-JP";
  iconv_t cd = iconv_open(name.c_str(), "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  char* src = const_cast<char*>(utf8.data());
  size_t left = utf8.size();
  char buf[4096];
  bool failed = false;
  while (left > 0 && !failed) {
    char* dst = buf;
    size_t room = sizeof buf;
    size_t r = iconv(cd, &src, &left, &dst, &room);
    out.append(buf, static_cast<size_t>(dst - buf));
    if (r == static_cast<size_t>(-1) && errno != E2BIG) failed = true;
  }
  char* dst = buf;
  size_t room = sizeof buf;
  iconv(cd, nullptr, nullptr, &dst, &room);
  out.append(buf, static_cast<size_t>(dst - buf));
  iconv_close(cd);
  if (failed) return std::nullopt;
  return out;
}

}  // namespace mime
