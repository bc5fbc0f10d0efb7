#include "mime/transfer.h"

#include "mime/structure.h"

namespace mime {

namespace {
int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

TransferDecoder::TransferDecoder(std::string_view encoding) {
  std::string_view e = encoding;
  while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
  while (!e.empty() && (e.back() == ' ' || e.back() == '\t')) e.remove_suffix(1);
  if (iequals(e, "base64")) {
    kind_ = Kind::kBase64;
  } else if (iequals(e, "quoted-printable")) {
    kind_ = Kind::kQp;
  } else {
    kind_ = Kind::kIdentity;
  }
}

namespace {
// Decodes quoted-printable from `in`; returns how many bytes were consumed. With `final` false
// it stops before an escape or a whitespace run that might continue in the next chunk.
size_t qp_decode(std::string_view in, bool final, std::string& out) {
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c == '=') {
      if (i + 1 >= in.size()) {
        if (!final) return i;
        ++i;  // a lone '=' at the very end: soft break
        continue;
      }
      if (in[i + 1] == '\n') {
        i += 2;
        continue;
      }
      if (in[i + 1] == '\r') {
        if (i + 2 >= in.size()) {
          if (!final) return i;
          i += 2;
          continue;
        }
        if (in[i + 2] == '\n') {
          i += 3;
          continue;
        }
      }
      if (i + 2 >= in.size() && !final) return i;
      int h = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
      int l = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
      if (h >= 0 && l >= 0) {
        out += static_cast<char>(h * 16 + l);
        i += 3;
      } else {
        // "=" followed by whitespace up to the line end is a soft break too
        size_t j = i + 1;
        while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
        if (j < in.size() &&
            (in[j] == '\n' || (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n'))) {
          i = in[j] == '\n' ? j + 1 : j + 2;
        } else if (j >= in.size() && !final) {
          return i;
        } else {
          out += '=';
          ++i;
        }
      }
      continue;
    }
    if (c == ' ' || c == '\t') {
      size_t j = i;
      while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
      if (j >= in.size()) {
        if (final) return j;  // trailing whitespace at the end: dropped
        if (j - i <= 1024) return i;
        out.append(in.substr(i, j - i));  // an absurd run: keep it, stay linear
        return j;
      }
      if (in[j] == '\n' || (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n')) {
        i = j;  // whitespace before a line end is dropped (RFC 2045 §6.7 rule 3)
        continue;
      }
      out.append(in.substr(i, j - i));
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return i;
}
}  // namespace

void TransferDecoder::feed(std::string_view in, std::string& out) {
  switch (kind_) {
    case Kind::kIdentity:
      out.append(in);
      return;
    case Kind::kBase64:
      for (char ch : in) {
        int v = b64_value(static_cast<unsigned char>(ch));
        if (v < 0) continue;
        bits_ = (bits_ << 6) | static_cast<uint32_t>(v);
        nbits_ += 6;
        if (nbits_ >= 8) {
          nbits_ -= 8;
          out += static_cast<char>((bits_ >> nbits_) & 0xFF);
        }
      }
      bits_ &= (1u << nbits_) - 1;
      return;
    case Kind::kQp: {
      pending_.append(in);
      size_t used = qp_decode(pending_, false, out);
      pending_.erase(0, used);
      return;
    }
  }
}

void TransferDecoder::finish(std::string& out) {
  if (kind_ == Kind::kQp) {
    qp_decode(pending_, true, out);
    pending_.clear();
  }
  bits_ = 0;
  nbits_ = 0;
}

std::string transfer_decode(std::string_view encoding, std::string_view body) {
  TransferDecoder d(encoding);
  std::string out;
  d.feed(body, out);
  d.finish(out);
  return out;
}

}  // namespace mime
