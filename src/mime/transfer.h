// Streaming Content-Transfer-Encoding decoders (base64, quoted-printable; 7bit/8bit/binary pass
// through). Feed chunks of any size; output is appended. Garbage is skipped leniently (invalid
// base64 characters ignored, bad =XX kept literally), never an error. One decoder per body.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mime {

class TransferDecoder {
 public:
  // `encoding` as in Part::encoding ("base64", "quoted-printable", anything else = identity).
  explicit TransferDecoder(std::string_view encoding);
  void feed(std::string_view in, std::string& out);
  // Flushes pending state (a partial quantum / soft line break). Call once at the end.
  void finish(std::string& out);

 private:
  enum class Kind { kIdentity, kBase64, kQp } kind_;
  uint32_t bits_ = 0;  // base64 accumulator
  int nbits_ = 0;
  std::string pending_;  // qp: an unfinished "=" escape or trailing whitespace
};

// Whole-buffer helper.
std::string transfer_decode(std::string_view encoding, std::string_view body);

}  // namespace mime
