// A user's Maildir++ tree: the root (INBOX, with tmp/ new/ cur/) and its folders ".Name.Sub".
//
// A Maildir object holds an open O_DIRECTORY descriptor of the root; every lookup inside the
// tree goes through openat/fstatat/mkdirat/renameat with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW, so
// a symlink planted inside the tree (".evil -> /elsewhere", ".Sent/cur -> /etc") is never
// followed: such folders are hidden from list_folders() and refused with kPermission by the
// calls that name them. (The root path itself may be reached through symlinks: it is the
// admin's choice.)
//
// Durability: create_folder, rename_folder and delete_folder fsync the root directory before
// they return success. create_folder builds the folder (tmp/ new/ cur/ maildirfolder) under
// the root's tmp/ (as "tegami-mkdir.<unique>") and renames it into place, so a crash leaves
// either no folder or a complete one. delete_folder first renames the folder into the root's
// tmp/ as "tegami-deleted.<unique>" (the folder is gone at that instant) and then removes the
// files; if that removal fails half-way the rest stays there (`tegami maildir check` may clean
// it: both prefixes in tmp/ are tegami's leftovers).
//
// Every call does blocking file system I/O (and fsync): call it from a worker thread, never
// from an event loop.
//
// Thread safety: const methods may be called concurrently; the object is move-only. Other
// processes (Dovecot, mutt, another tegamid) may change the tree at any time: every call
// reads the file system afresh and reports what it finds (kNotFound, kExists).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maildir/mailbox_name.h"
#include "maildir/status.h"

namespace maildir {

struct MaildirOptions {
  NameEncoding name_encoding = NameEncoding::kModifiedUtf7;
};

struct FolderInfo {
  std::string name;           // canonical API name (UTF-8, '/'), "INBOX" for the root
  bool exists = true;         // false: only implied by a child (IMAP \NonExistent, \Noselect)
  bool has_children = false;  // IMAP \HasChildren (else \HasNoChildren)
};

class Maildir {
 public:
  Maildir(Maildir&& other) noexcept;
  Maildir& operator=(Maildir&& other) noexcept;
  Maildir(const Maildir&) = delete;
  Maildir& operator=(const Maildir&) = delete;
  ~Maildir();

  // Makes `root` a Maildir++ root: creates the directory (mode 0700; its parent must exist)
  // and any missing tmp/ new/ cur/ (0700), fsyncs, and opens it. An existing Maildir (one of
  // tmp/ new/ cur/ present) or an empty directory is fine: create is idempotent and completes
  // a half-made root. kNotFound if the parent is missing; kExists if `root` exists but is not
  // a directory, or is a non-empty directory with none of tmp/ new/ cur/ (not a Maildir: it is
  // not turned into one); kPermission if tmp/ new/ cur/ exist as symlinks or the directory is
  // not writable; kIo otherwise.
  static Result<Maildir> create(const std::string& root, const MaildirOptions& options = {});

  // Opens an existing Maildir. kNotFound if `root` is not a directory or lacks tmp/ new/ cur/;
  // kPermission if one of those is a symlink or unreadable.
  static Result<Maildir> open(const std::string& root, const MaildirOptions& options = {});

  const std::string& root() const { return root_; }
  NameEncoding name_encoding() const { return options_.name_encoding; }

  // Every folder, sorted: INBOX and its children first, then by components (so a parent comes
  // right before its children; byte order of UTF-8 inside a level). Parents that exist only
  // through a child (".a.b" without ".a") are listed with exists=false. On-disk entries that
  // are not valid names, symlinks, or not directories are skipped. kIo if the root cannot be
  // read.
  Result<std::vector<FolderInfo>> list_folders() const;

  // Absolute path of the folder's directory ("<root>" for INBOX, "<root>/.Sent"), for the
  // other parts of the library to open tmp/ new/ cur/ and their files.
  // kInvalidName/kLimit for a refused name; kNotFound if the folder directory does not exist
  // (also for a parent implied only by children); kPermission if it, or its tmp/ new/ cur/,
  // is a symlink or not a directory. Missing tmp/ new/ cur/ inside an existing folder are not
  // an error here (Dovecot recreates them; so may the caller).
  Result<std::string> folder_path(std::string_view name) const;

  // Like folder_path() but returns an open O_DIRECTORY descriptor of the folder, opened
  // without following symlinks; the caller owns it and closes it.
  Result<int> open_folder(std::string_view name) const;

  // Creates folder `name` (".Name" with tmp/ new/ cur/ and an empty "maildirfolder").
  // Parents need not exist on disk. kExists if it exists already (INBOX always exists).
  Status create_folder(std::string_view name);

  // Renames `from` to `to` together with all its children (".a" and ".a.*" -> ".b", ".b.*").
  // `from` may be a parent that exists only through children (then only those move).
  // kNotFound if neither `from` nor any child exists; kExists if `to` or any would-be child of
  // `to` exists, or `to` is INBOX; kInvalidArgument if `to` is `from` or lies below it;
  // kPermission if any entry involved is a symlink.
  // INBOX as `from` (IMAP RENAME INBOX): creates folder `to` (kExists if it exists), copies
  // INBOX's dovecot-keywords into it (the keyword letters in the file names stay meaningful)
  // and moves every message file of INBOX's new/ and cur/ into it; INBOX stays, empty, with
  // its children untouched. The new folder's UIDs are assigned afresh by whoever syncs it.
  // Each directory is renamed atomically (renameat2 RENAME_NOREPLACE); a crash between two
  // children leaves some under the old and some under the new name, none lost.
  Status rename_folder(std::string_view from, std::string_view to);

  // Deletes folder `name` with all its messages. Its children stay (IMAP: the name becomes
  // \NonExistent while it has children). kInvalidArgument for INBOX; kNotFound if it does not
  // exist; kNotEmpty if it exists only as the parent of children (nothing to delete);
  // kPermission if it is a symlink (the link is left alone and nothing outside is touched).
  Status delete_folder(std::string_view name);

 private:
  Maildir(std::string root, int fd, MaildirOptions options)
      : root_(std::move(root)), fd_(fd), options_(options) {}

  std::string root_;
  int fd_ = -1;
  MaildirOptions options_;
};

}  // namespace maildir
