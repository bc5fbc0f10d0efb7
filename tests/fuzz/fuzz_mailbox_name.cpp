// fuzz-links: maildir
// Mailbox names: whatever is accepted maps to a single safe directory name in the Maildir root
// and back, and whatever directory name is accepted is the canonical one of a valid name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "maildir/mailbox_name.h"

namespace {

using maildir::NameEncoding;

// A directory name that stays inside the root: one path component, starts with '.', is not
// "." or "..", has no empty level and no NUL.
void check_safe_dir(const std::string& dir) {
  if (dir.size() < 2 || dir[0] != '.' || dir == "..") std::abort();
  if (dir.size() > maildir::kMaxDirNameBytes) std::abort();
  if (dir.find('/') != std::string::npos || dir.find('\0') != std::string::npos) std::abort();
  if (dir.find("..") != std::string::npos || dir.back() == '.') std::abort();
}

void check_name(const std::string& name) {
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) std::abort();
  }
  if (name.empty() || name.front() == '/' || name.back() == '/' ||
      name.find("//") != std::string::npos || name.find('.') != std::string::npos) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (NameEncoding enc : {NameEncoding::kModifiedUtf7, NameEncoding::kUtf8}) {
    maildir::Result<std::string> dir = maildir::folder_dir_name(in, enc);
    if (dir.ok()) {
      maildir::Result<std::string> canonical = maildir::normalize_mailbox_name(in);
      if (!canonical.ok()) std::abort();
      check_name(*canonical);
      if (dir->empty()) {
        if (*canonical != "INBOX") std::abort();
      } else {
        check_safe_dir(*dir);
        maildir::Result<std::string> back = maildir::mailbox_name_from_dir(*dir, enc);
        if (!back.ok() || *back != *canonical) std::abort();
      }
    }
    maildir::Result<std::string> name = maildir::mailbox_name_from_dir(in, enc);
    if (name.ok()) {
      check_name(*name);
      check_safe_dir(std::string(in));
      maildir::Result<std::string> again = maildir::folder_dir_name(*name, enc);
      if (!again.ok()) std::abort();
      if (*again != in && !(in == ".INBOX" && again->empty())) std::abort();
    }
  }
  return 0;
}
