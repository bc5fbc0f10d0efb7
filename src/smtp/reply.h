// An SMTP reply: three-digit code, RFC 3463 enhanced status code, one line of text.
//
// The parsers return a Reply for every input they refuse, so the session answers exactly what
// the parser decided. Text is ASCII without CR/LF (the parsers never copy client bytes into
// it). Pure value type; any thread.
#pragma once

#include <string>

namespace tegami_smtp {

struct Reply {
  int code = 0;          // 250, 501, 552, ...
  std::string enhanced;  // "5.5.4"; empty when the reply has none (greeting, 354)
  std::string text;      // one line, no CR/LF

  // "<code> <enhanced> <text>\r\n" (a single-line reply).
  std::string wire() const {
    std::string s = std::to_string(code);
    s += ' ';
    if (!enhanced.empty()) {
      s += enhanced;
      s += ' ';
    }
    s += text;
    s += "\r\n";
    return s;
  }
  bool operator==(const Reply&) const = default;
};

}  // namespace tegami_smtp
