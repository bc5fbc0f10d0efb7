// `tegami mime envelope|body|bodystructure <file>...`: the IMAP renderings of
// stored messages, one line per file (`<file>\t<rendering>`, literals kept as
// {n}CRLF...). Used by the differential test against Dovecot
// (tests/integration/test_mime_vs_dovecot.py) and by admins looking at a broken
// message. `tegami mime section <spec> <file>`: the bytes of BODY[<spec>]
// (e.g. 1.2, 2.HEADER, 1.MIME, TEXT), CRLF line ends as IMAP serves them.
//
// ENABLE: tools/CMakeLists.txt must link tegami_mime (add it to the foreach
// list), then rename this file to cmd_mime.cpp.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "command.h"
#include "mime/imap_render.h"
#include "mime/parser.h"
#include "mime/section.h"

namespace tegami_cli {
namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

int render(const Invocation& inv, int kind) {
  if (inv.args.empty())
    return usage_error(kind == 0   ? "mime envelope"
                       : kind == 1 ? "mime body"
                                   : "mime bodystructure");
  int rc = 0;
  for (const auto& path : inv.args) {
    std::string msg;
    if (!read_file(path, msg)) {
      std::fprintf(stderr, "tegami: cannot read %s\n", path.c_str());
      rc = 1;
      continue;
    }
    mime::Structure s = mime::parse(msg);
    std::string out = kind == 0 ? mime::render_envelope(s) : mime::render_body(s, kind == 2);
    std::printf("%s\t%s\n", path.c_str(), out.c_str());
  }
  return rc;
}

int run_envelope(const Invocation& inv) {
  return render(inv, 0);
}
int run_body(const Invocation& inv) {
  return render(inv, 1);
}
int run_bodystructure(const Invocation& inv) {
  return render(inv, 2);
}

int run_section(const Invocation& inv) {
  if (inv.args.size() != 2) return usage_error("mime section");
  std::string spec = inv.args[0];
  std::string msg;
  if (!read_file(inv.args[1], msg)) {
    std::fprintf(stderr, "tegami: cannot read %s\n", inv.args[1].c_str());
    return 1;
  }
  mime::Structure s = mime::parse(msg);
  mime::SectionText text = mime::SectionText::kAll;
  std::string numbers = spec;
  for (auto [suffix, t] :
       {std::pair{"HEADER", mime::SectionText::kHeader},
        std::pair{"TEXT", mime::SectionText::kText}, std::pair{"MIME", mime::SectionText::kMime}}) {
    std::string sfx = suffix;
    if (numbers == sfx) {
      numbers.clear();
      text = t;
    } else if (numbers.size() > sfx.size() && numbers.compare(numbers.size() - sfx.size() - 1,
                                                              std::string::npos, "." + sfx) == 0) {
      numbers.resize(numbers.size() - sfx.size() - 1);
      text = t;
    }
  }
  auto span = mime::section_span(s, numbers, text);
  if (!span) {
    std::fprintf(stderr, "tegami: no section %s\n", spec.c_str());
    return 1;
  }
  std::string out;
  std::string_view r = std::string_view(msg).substr(span->offset, span->length);
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] == '\n' && (i == 0 || r[i - 1] != '\r')) out += '\r';
    out += r[i];
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

Register r1{
    {"mime envelope", "<file>...", "print the IMAP ENVELOPE of stored messages", &run_envelope}};
Register r2{{"mime body", "<file>...", "print the IMAP BODY of stored messages", &run_body}};
Register r3{{"mime bodystructure", "<file>...", "print the IMAP BODYSTRUCTURE of stored messages",
             &run_bodystructure}};
Register r4{{"mime section", "<spec> <file>", "print BODY[<spec>] of a stored message (CRLF)",
             &run_section}};

}  // namespace
}  // namespace tegami_cli
