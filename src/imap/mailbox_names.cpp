#include "imap/mailbox_names.h"

#include "imap/shared_archive.h"
#include "maildir/mailbox_name.h"
#include "maildir/mutf7.h"
#include "mime/charset.h"

namespace imap {

maildir::Result<std::string> pattern_from_wire(std::string_view text, WireNames names) {
  if (names == WireNames::kMutf7) return maildir::decode_mutf7(text);
  if (!mime::valid_utf8(text)) {
    return maildir::Status(maildir::Code::kInvalidName, "mailbox name is not valid UTF-8");
  }
  return std::string(text);
}

maildir::Result<std::string> mailbox_from_wire(const Arg& arg, WireNames names) {
  if (!arg.is_astring()) {
    return maildir::Status(maildir::Code::kInvalidName, "mailbox name is not a string");
  }
  auto utf8 = pattern_from_wire(arg.text, names);
  if (!utf8.ok()) return utf8.status();
  // The shared namespace (shared_archive.h) holds no personal folders and is read-only.
  if (in_shared_namespace(*utf8)) {
    return maildir::Status(maildir::Code::kPermission, "shared mailboxes are read-only");
  }
  return maildir::normalize_mailbox_name(*utf8);
}

std::string mailbox_to_wire(std::string_view name, WireNames names) {
  if (names == WireNames::kUtf8) {
    // RFC 6855: UTF-8 in a quoted string; a literal only for what a quoted string cannot hold.
    bool quotable = name.size() <= 1024;
    for (char c : name) quotable = quotable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    if (!quotable) return quote_string(name);
    std::string out = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + '"';
  }
  auto m = maildir::encode_mutf7(name);
  return quote_string(m.ok() ? std::string_view(*m) : name);
}

std::vector<SpecialUse> special_use_folders(const tegami::config::ImapConfig& c) {
  return {{c.drafts, "\\Drafts"},
          {c.sent, "\\Sent"},
          {c.trash, "\\Trash"},
          {c.junk, "\\Junk"},
          {c.archive, "\\Archive"}};
}

std::string_view special_use_attribute(const tegami::config::ImapConfig& c, std::string_view name) {
  if (name == c.drafts) return "\\Drafts";
  if (name == c.sent) return "\\Sent";
  if (name == c.trash) return "\\Trash";
  if (name == c.junk) return "\\Junk";
  if (name == c.archive) return "\\Archive";
  return "";
}

namespace {

// Wildcard match by recursion at each '*' / '%'; the recursion depth is at most the number of
// wildcards in the pattern (bounded by the line limit).
// `steps` bounds the total work (patterns like "*a*a*a*a" would otherwise be exponential).
bool match_from(std::string_view p, std::string_view n, long& steps) {
  if (--steps <= 0) return false;
  size_t i = 0;
  size_t j = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '*') {
      for (size_t k = n.size() + 1; k-- > j;) {
        if (match_from(p.substr(i + 1), n.substr(k), steps)) return true;
      }
      return false;
    }
    if (c == '%') {
      size_t end = n.find('/', j);
      if (end == std::string_view::npos) end = n.size();
      for (size_t k = end + 1; k-- > j;) {
        if (match_from(p.substr(i + 1), n.substr(k), steps)) return true;
      }
      return false;
    }
    if (j >= n.size() || n[j] != c) return false;
    ++i;
    ++j;
  }
  return j == n.size();
}

bool is_inbox_prefix(std::string_view s) {
  if (s.size() < 5) return false;
  for (size_t i = 0; i < 5; ++i) {
    if ((s[i] | 0x20) != "inbox"[i]) return false;
  }
  return s.size() == 5 || s[5] == '/';
}

}  // namespace

bool list_match(std::string_view pattern, std::string_view name) {
  std::string p(pattern);
  if (is_inbox_prefix(p)) p.replace(0, 5, "INBOX");
  // Collapse runs of '*' so the backtracking stays small.
  std::string q;
  for (char c : p) {
    if (c == '*' && !q.empty() && q.back() == '*') continue;
    q += c;
  }
  size_t wildcards = 0;
  for (char c : q) wildcards += (c == '*' || c == '%');
  if (wildcards > 32) return false;  // no real client needs more; keeps recursion shallow
  long steps = 200000;
  return match_from(q, name, steps);
}

}  // namespace imap
