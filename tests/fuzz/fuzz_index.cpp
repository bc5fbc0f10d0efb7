// fuzz-links: maildir
// libFuzzer target for the tegami-index decoder (maildir/index.h): any bytes must give either
// kCorrupt or an IndexData whose every record names a safe file inside the pool, and which
// encodes back to bytes that decode to the same data.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "maildir/index.h"

namespace {

// Builds a valid index from the fuzz bytes too, so mutations near valid files are explored
// even though random bytes almost never pass the checksum.
std::string valid_from(const uint8_t* data, size_t size) {
  maildir::IndexData d;
  d.uidvalidity = 1;
  d.uidnext = 1;
  std::uint32_t uid = 0;
  size_t pos = 0;
  while (pos + 2 < size && d.records.size() < 64) {
    size_t len = 1 + data[pos] % 40;
    uid += 1 + data[pos + 1] % 5;
    pos += 2;
    std::string name;
    for (size_t i = 0; i < len && pos < size; ++i, ++pos) {
      char c = static_cast<char>(data[pos]);
      if (c == '/' || c == '\0') c = '_';
      name += c;
    }
    if (name.empty() || name == "." || name == "..") continue;
    maildir::MessageRecord r;
    r.uid = uid;
    r.name_off = static_cast<std::uint32_t>(d.names.size());
    r.name_len = static_cast<std::uint8_t>(name.size());
    size_t colon = name.find(':');
    r.base_len = static_cast<std::uint8_t>(colon == std::string::npos ? name.size() : colon);
    if (r.base_len == 0) continue;
    d.names += name;
    d.records.push_back(r);
    d.uidnext = uid + 1;
  }
  return maildir::encode_index(d);
}

void check(std::string_view bytes) {
  maildir::Result<maildir::IndexData> r = maildir::decode_index(bytes);
  if (!r.ok()) {
    if (r.status().code() != maildir::Code::kCorrupt) std::abort();
    return;
  }
  const maildir::IndexData& d = *r;
  for (const maildir::MessageRecord& rec : d.records) {
    if (static_cast<size_t>(rec.name_off) + rec.name_len > d.names.size()) std::abort();
    std::string_view name(d.names.data() + rec.name_off, rec.name_len);
    if (name.find('/') != std::string_view::npos || name.empty() || name == "..") std::abort();
  }
  std::string again = maildir::encode_index(d);
  maildir::Result<maildir::IndexData> r2 = maildir::decode_index(again);
  if (!r2.ok() || r2->records.size() != d.records.size() || r2->names != d.names) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string valid = valid_from(data, size);
  check(valid);
  // Flip one byte of the valid file, chosen by the input.
  if (size > 0) {
    valid[data[0] * 131u % valid.size()] ^= static_cast<char>(1 + data[size - 1] % 255);
    check(valid);
  }
  return 0;
}
