#include "imap/utf8_accept.h"

#include "mime/structure.h"

namespace imap {

bool charset_conflicts_utf8(bool utf8_accept, std::string_view charset) {
  if (!utf8_accept) return false;
  return !(mime::iequals(charset, "UTF-8") || mime::iequals(charset, "US-ASCII") ||
           mime::iequals(charset, "UTF8"));
}

Arg* append_message_arg(std::vector<Arg>& args, size_t& i, bool utf8_accept) {
  if (i >= args.size()) return nullptr;
  if (args[i].kind == Arg::Kind::kLiteral) return &args[i++];
  if (!utf8_accept || args[i].kind != Arg::Kind::kAtom || !mime::iequals(args[i].text, "UTF8") ||
      i + 1 >= args.size()) {
    return nullptr;
  }
  Arg& list = args[i + 1];
  if (list.kind != Arg::Kind::kList || list.children.size() != 1 ||
      list.children[0].kind != Arg::Kind::kLiteral || !list.children[0].literal8) {
    return nullptr;
  }
  i += 2;
  return &list.children[0];
}

}  // namespace imap
