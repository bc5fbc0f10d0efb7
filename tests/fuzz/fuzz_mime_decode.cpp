// fuzz-links: tegami_mime
// Header/charset/transfer decoders and the SEARCH normaliser on arbitrary bytes: never crash,
// always produce valid UTF-8, streaming decoders agree with whole-buffer decoding.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/address.h"
#include "mime/charset.h"
#include "mime/header_decode.h"
#include "mime/search_text.h"
#include "mime/transfer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* kCharsets[] = {"utf-8",      "iso-2022-jp",  "shift_jis", "euc-jp",
                                    "iso-8859-1", "windows-1252", "cp50221",   "x-unknown"};
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const char* cs = kCharsets[data[0] % 8];
  auto u = mime::to_utf8(cs, in);
  if (u && !mime::valid_utf8(*u)) abort();
  std::string h = mime::decode_header_text(in);
  if (!mime::valid_utf8(h)) abort();
  std::string n = mime::normalize_for_search(in);
  if (!mime::valid_utf8(n)) abort();
  (void)mime::parse_address_list(in, 100);
  std::vector<mime::Param> ps = {
      {"name*0*", std::string(in)}, {"name*1", "x"}, {"f", std::string(in)}};
  (void)mime::decode_params(ps);
  for (const char* enc : {"base64", "quoted-printable"}) {
    std::string whole = mime::transfer_decode(enc, in);
    mime::TransferDecoder d(enc);
    std::string out;
    size_t step = 1 + data[0] % 7;
    for (size_t i = 0; i < in.size(); i += step) d.feed(in.substr(i, step), out);
    d.finish(out);
    if (out != whole) abort();
  }
  return 0;
}
