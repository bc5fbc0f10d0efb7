// fuzz-links: tegami_imap
// SEARCH on arbitrary bytes: the input up to the first NUL is a search program (parsed as the
// arguments of "t SEARCH ..."), the rest a message. Parsing never crashes and stays within
// its depth/size bounds; a parsed program is evaluated against the message through the whole
// matcher (view facts, header, MIME bodies) read in small chunks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "imap/parser.h"
#include "imap/search_match.h"
#include "imap/search_program.h"

namespace {

class BytesAccess final : public imap::MessageAccess {
 public:
  explicit BytesAccess(std::string_view data) : data_(data) {}
  std::optional<std::uint64_t> size() override { return data_.size(); }
  std::optional<std::int64_t> internal_date() override { return 1700000000; }
  bool has_keyword(std::string_view name) override { return name == "$Work"; }
  bool read(std::uint64_t offset, size_t len, std::string& out) override {
    out = offset < data_.size() ? std::string(data_.substr(offset, len)) : "";
    return true;
  }

 private:
  std::string_view data_;
};

size_t depth(const imap::SearchKey& k) {
  size_t d = 0;
  for (const imap::SearchKey& c : k.children) d = std::max(d, depth(c));
  return d + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // The whole input as a tegami-cache.search blob: refused, or decoded and encoded back to
  // the same bytes.
  if (imap::CachedSearchHeader h; imap::decode_search_header(in, h)) {
    if (imap::encode_search_header(h) != in) std::abort();
  }
  size_t nul = in.find('\0');
  std::string_view program = in.substr(0, nul);
  std::string_view message = nul == std::string_view::npos ? "" : in.substr(nul + 1);
  imap::Command c;
  std::string error;
  if (!imap::parse_command("t SEARCH " + std::string(program) + "\r\n", {}, c, error)) return 0;
  imap::SearchProgram p;
  imap::SearchParseError e;
  if (!imap::parse_search_program(c.args, 0, p, e)) {
    if (e.kind == imap::SearchParseError::Kind::kNone) abort();
    return 0;
  }
  if (depth(p.root) > imap::kMaxSearchDepth + 3) abort();
  imap::normalize_search_keys(p.root);
  BytesAccess access(message);
  imap::MessageFacts facts;
  facts.seq = facts.uid = 1;
  facts.max_seq = facts.max_uid = 3;
  imap::MessageMatcher m(facts, access);
  (void)m.matches(p.root);
  return 0;
}
