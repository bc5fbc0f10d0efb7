// Mailbox name validation and the API name <-> Maildir++ directory name mapping.
#include "maildir/mailbox_name.h"

#include <optional>

#include "maildir/mutf7.h"

namespace maildir {

namespace {

Status refuse(std::string_view name, std::string why) {
  std::string msg = "mailbox name '";
  // Quote at most 64 bytes and escape control bytes so the message stays one readable line.
  for (char c : name.substr(0, 64)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      msg += "\\x";
      msg += kHex[u >> 4];
      msg += kHex[u & 15];
    } else {
      msg += c;
    }
  }
  if (name.size() > 64) msg += "...";
  msg += "': ";
  msg += why;
  return Status(Code::kInvalidName, std::move(msg));
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

// Checks UTF-8 validity and control characters; returns the reason or nullopt.
std::optional<std::string> check_utf8_text(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c & 0xe0) == 0xc0) {
      cp = c & 0x1f, len = 2;
    } else if ((c & 0xf0) == 0xe0) {
      cp = c & 0x0f, len = 3;
    } else if ((c & 0xf8) == 0xf0) {
      cp = c & 0x07, len = 4;
    } else {
      return "invalid UTF-8";
    }
    if (i + len > s.size()) return "invalid UTF-8";
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return "invalid UTF-8";
      cp = (cp << 6) | (cc & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return "invalid UTF-8";
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return "control character";
    i += len;
  }
  return std::nullopt;
}

// The rules for one component (already split at '/').
std::optional<std::string> check_component(std::string_view c) {
  if (c.empty()) return "empty hierarchy level";
  if (c == "." || c == "..") return "'.' and '..' are not allowed";
  if (c.find('.') != std::string_view::npos) {
    return "'.' is not allowed in a mailbox name (it is the on-disk hierarchy separator)";
  }
  if (c.front() == '~') return "a level must not start with '~'";
  if (c == "cur" || c == "new" || c == "tmp") return "'cur', 'new' and 'tmp' are reserved";
  return check_utf8_text(c);
}

std::vector<std::string_view> split_view(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t end = s.find(sep, pos);
    if (end == std::string_view::npos) {
      out.push_back(s.substr(pos));
      return out;
    }
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
}

}  // namespace

bool is_inbox(std::string_view name) {
  return iequals_ascii(name, kInbox);
}

Result<std::string> normalize_mailbox_name(std::string_view name) {
  if (name.empty()) return refuse(name, "empty name");
  if (name.size() > kMaxNameBytes) {
    return Status(Code::kLimit,
                  "mailbox name longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  if (name.front() == kHierarchySeparator) return refuse(name, "must not start with '/'");
  std::vector<std::string_view> parts = split_view(name, kHierarchySeparator);
  if (parts.size() > kMaxDepth) {
    return Status(Code::kLimit,
                  "mailbox name deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    if (std::optional<std::string> why = check_component(parts[i])) return refuse(name, *why);
    if (i > 0) out += kHierarchySeparator;
    if (i == 0 && is_inbox(parts[0])) {
      out += kInbox;
    } else {
      out += parts[i];
    }
  }
  return out;
}

std::vector<std::string> split_mailbox_name(std::string_view name) {
  std::vector<std::string> out;
  for (std::string_view part : split_view(name, kHierarchySeparator)) out.emplace_back(part);
  return out;
}

Result<std::string> folder_dir_name(std::string_view name, NameEncoding encoding) {
  Result<std::string> canonical = normalize_mailbox_name(name);
  if (!canonical) return canonical.status();
  if (*canonical == kInbox) return std::string();
  std::string dir;
  for (std::string_view part : split_view(*canonical, kHierarchySeparator)) {
    dir += '.';
    if (encoding == NameEncoding::kModifiedUtf7) {
      Result<std::string> encoded = encode_mutf7(part);
      if (!encoded) return refuse(name, encoded.status().message());
      dir += *encoded;
    } else {
      dir += part;
    }
  }
  if (dir.size() > kMaxDirNameBytes) {
    return Status(Code::kLimit, "mailbox name too long: its directory name would have " +
                                    std::to_string(dir.size()) + " bytes (at most " +
                                    std::to_string(kMaxDirNameBytes) + ")");
  }
  return dir;
}

Result<std::string> mailbox_name_from_dir(std::string_view dir_name, NameEncoding encoding) {
  if (dir_name.empty() || dir_name.front() != '.') {
    return refuse(dir_name, "folder directory names start with '.'");
  }
  if (dir_name.size() > kMaxDirNameBytes) {
    return Status(Code::kLimit, "folder directory name longer than " +
                                    std::to_string(kMaxDirNameBytes) + " bytes");
  }
  if (dir_name == ".INBOX") return std::string(kInbox);
  std::vector<std::string_view> parts = split_view(dir_name.substr(1), '.');
  std::string name;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) return refuse(dir_name, "empty hierarchy level on disk");
    if (i > 0) name += kHierarchySeparator;
    if (encoding == NameEncoding::kModifiedUtf7) {
      Result<std::string> decoded = decode_mutf7(parts[i]);
      if (!decoded) return refuse(dir_name, decoded.status().message());
      if (decoded->find(kHierarchySeparator) != std::string::npos) {
        return refuse(dir_name, "decodes to a name containing '/'");
      }
      name += *decoded;
    } else {
      if (parts[i].find(kHierarchySeparator) != std::string_view::npos) {
        return refuse(dir_name, "contains '/'");
      }
      name += parts[i];
    }
  }
  Result<std::string> canonical = normalize_mailbox_name(name);
  if (!canonical) return canonical.status();
  // Exactly one directory spelling per mailbox: ".inbox.x" is not ".INBOX.x", and only the
  // canonical encoding is accepted (decode_mutf7 is strict, this also catches the rest).
  Result<std::string> back = folder_dir_name(*canonical, encoding);
  if (!back) return back.status();
  if (*back != dir_name) return refuse(dir_name, "not the canonical spelling of this mailbox");
  return canonical;
}

}  // namespace maildir
