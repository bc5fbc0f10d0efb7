#include "auth/username.h"

namespace tegami_auth {

bool username_is_valid(std::string_view name) {
  if (name.size() < 3 || name.size() > kMaxUsernameBytes) return false;
  size_t at = std::string_view::npos;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x21 || c > 0x7E) return false;
    switch (c) {
      case '"':
      case '(':
      case ')':
      case ',':
      case ':':
      case ';':
      case '<':
      case '>':
      case '[':
      case '\\':
      case ']':
      case '/':
        return false;
      case '@':
        if (at != std::string_view::npos) return false;
        at = i;
        break;
      default:
        break;
    }
  }
  return at != std::string_view::npos && at > 0 && at + 1 < name.size();
}

}  // namespace tegami_auth
