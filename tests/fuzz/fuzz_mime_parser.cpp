// fuzz-links: tegami_mime
// The streaming parser on arbitrary bytes: never crashes, sizes cover every byte, chunked
// feeding gives the same structure, every section span lies inside the message, renderings and
// the cache encoding round-trip.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/imap_render.h"
#include "mime/parser.h"
#include "mime/section.h"
#include "mime/serialize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view msg(reinterpret_cast<const char*>(data), size);
  mime::Limits lim;
  lim.max_depth = 20;
  lim.max_parts = 200;
  lim.max_header_fields = 50;
  lim.max_line = 256;
  mime::Structure s = mime::parse(msg, lim);
  if (s.size_lf != size) abort();
  // chunked: split at a data-dependent point
  mime::Parser p(lim);
  size_t cut = size ? data[0] % (size + 1) : 0;
  p.feed(msg.substr(0, cut));
  p.feed(msg.substr(cut));
  mime::Structure t = p.finish();
  std::string a = mime::render_body(s, true), b = mime::render_body(t, true);
  if (a != b) abort();
  if (mime::render_envelope(s) != mime::render_envelope(t)) abort();
  for (const auto& part : s.parts) {
    if (part.header_offset + part.header.lf > size) abort();
    if (part.body_offset + part.body.lf > size) abort();
    if (part.body.crlf < part.body.lf) abort();
  }
  static const char* kSections[] = {"", "1", "2", "1.1", "1.2", "2.1", "1.1.1", "3.2.1"};
  for (const char* n : kSections)
    for (auto t2 : {mime::SectionText::kAll, mime::SectionText::kHeader, mime::SectionText::kText,
                    mime::SectionText::kMime}) {
      auto sp = mime::section_span(s, n, t2);
      if (sp && sp->offset + sp->length > size) abort();
    }
  auto back = mime::decode_structure(mime::encode_structure(s));
  if (!back.ok() || mime::render_body(*back, true) != a) abort();
  (void)mime::decode_structure(msg);  // arbitrary bytes as a cache entry
  return 0;
}
