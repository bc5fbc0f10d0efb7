// mime::Parser: the one-pass streaming MIME parser. Feed the message as stored (LF or CRLF line
// ends) in chunks of any size; finish() returns its Structure. Memory is bounded by the limits
// (no whole-message buffer, no DOM): only the current line prefix, the boundary stack and the
// part records are kept.
//
// Never fails: broken MIME (missing close delimiter, bad headers, NUL bytes, boundaries that
// never appear) gives the structure a lenient reader would see, the way Dovecot does.
// Not thread-safe; one Parser per message, any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "mime/structure.h"

namespace mime {

struct Limits {
  uint32_t max_depth = 100;           // nesting of multipart / message parts
  uint32_t max_parts = 10000;         // part records in one message
  uint32_t max_header_fields = 1000;  // fields interpreted per header block (rest: counted only)
  uint32_t max_line = 64 * 1024;      // bytes of one header line kept (rest: counted only)
};

class Parser {
 public:
  explicit Parser(Limits limits = {});
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Consumes all of `data`. REQUIRES: finish() not yet called.
  void feed(std::string_view data);
  // Ends the input and returns the structure. Call once.
  Structure finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Convenience: parse a whole message held in memory.
Structure parse(std::string_view message, Limits limits = {});

}  // namespace mime
