// SPECIAL-USE attributes (RFC 6154) of a user's folders: the defaults by name (Drafts, Sent,
// Trash, Junk, Archive) plus what clients chose with CREATE ... (USE (...))
// (CREATE-SPECIAL-USE), kept in `<maildir root>/tegami-special-use`: one line per folder,
// "<attribute> <UTF-8 API name>", written by temp file + rename (state, not a cache).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "config/config.h"
#include "maildir/status.h"

namespace imap {

// The attributes a client may give with CREATE ... USE (\All and \Flagged are virtual
// mailboxes tegami does not offer: NO [USEATTR]). Case-insensitive; returns the canonical
// spelling ("\\Archive") or "" when not supported.
std::string_view canonical_use_attribute(std::string_view attr);

class SpecialUseMap {
 public:
  // Reads `root`/tegami-special-use; a missing file gives the defaults only. kIo/kPermission
  // when it exists but cannot be read; bad lines are ignored.
  static maildir::Result<SpecialUseMap> load(const std::string& root);
  // Pure: parses the file's contents.
  static SpecialUseMap parse(std::string_view contents);
  std::string serialize() const;

  // The attribute of a folder ("" if none): a chosen one first, else the default by name
  // (the names of the config's imap: section; Drafts, Sent, ... unless use_names was called).
  std::string_view attribute(std::string_view name) const;
  void use_names(const tegami::config::ImapConfig& names) { defaults_ = names; }
  void set(const std::string& name, std::string_view attribute);
  // Forgets a deleted folder; moves the attribute of a renamed one (and of its children).
  void remove(std::string_view name);
  void rename(std::string_view from, std::string_view to);

  bool has_chosen(std::string_view name) const;

  // Durably replaces `root`/tegami-special-use (temp file in `root`/tmp, fsync, rename).
  maildir::Status save(const std::string& root) const;

 private:
  std::map<std::string, std::string, std::less<>> chosen_;  // name -> attribute
  tegami::config::ImapConfig defaults_{};                   // the folders made at first login
};

// After DELETE / RENAME of a folder: drops / moves its chosen attribute (and its children's).
// Best effort: the folder operation already succeeded.
void special_use_folder_deleted(const std::string& root, std::string_view name);
void special_use_folder_renamed(const std::string& root, std::string_view from,
                                std::string_view to);

}  // namespace imap
