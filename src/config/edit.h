// Atomic edits of the file that declares a domain: the admin command's `account add|del|
// passwd|quota`. The YAML text is edited surgically (the lines of one account are inserted,
// removed or one value replaced), so comments and layout of the rest of the file survive.
// Only block-style `accounts:` lists are edited; a flow-style list is refused (edit by hand).
//
// Every edit: takes the dot-lock `<file>.lock`, reads the file, computes the new text,
// validates the whole configuration with the new text in place (load_config with an
// override: an edit never writes a file that `config check` would refuse) and checks that the
// result differs from the old state in exactly the intended way (the one account added, removed
// or changed; every other account, alias and list equal), then re-reads the
// file and, if someone changed it meanwhile (a hand edit), starts over from the new content
// (up to `attempts` times); finally writes `<file>.tegami-<pid>.tmp`, fsyncs it, renames it
// over the file (same mode) and fsyncs the directory. A crash leaves the old or the new file.
// A hand edit saved in the instant between the re-read and the rename can still be replaced;
// editors that honour `<file>.lock` are safe.
//
// Results: ok; kNotFound (unknown domain or account); kExists (address already used);
// kLimit (add past max_accounts); kInvalidArgument (the edited config would not validate,
// flow-style list, bad address); kCorrupt (the current config has errors: fix them first);
// kLocked (lock busy, or the file kept changing); kIo/kPermission/kNoSpace (writing failed).
// The message says what happened in words for the admin.
// Thread safety: none needed; meant for the single-threaded admin command.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.h"
#include "maildir/status.h"

namespace tegami::config {

struct NewAccount {
  std::string password_hash;              // "{SCHEME}..."
  std::optional<std::uint64_t> quota_mb;  // nullopt = the plan's default (key not written)
  std::string display_name;               // empty = not written
};

struct EditOptions {
  int attempts = 5;
  std::chrono::milliseconds lock_wait{10000};
  // Test seam: sleep this long between computing the edit and the final re-read.
  std::chrono::milliseconds pause_before_commit{0};
  LoadOptions load;
};

maildir::Status add_account(const std::string& config_path, std::string_view address,
                            const NewAccount& account, const EditOptions& options = {});
maildir::Status delete_account(const std::string& config_path, std::string_view address,
                               const EditOptions& options = {});
maildir::Status set_password(const std::string& config_path, std::string_view address,
                             const std::string& password_hash, const EditOptions& options = {});
maildir::Status set_quota(const std::string& config_path, std::string_view address,
                          std::uint64_t quota_mb, const EditOptions& options = {});

// Mailing-list edits (`tegami list ...`, the -ctl mail commands): the domain's whole `lists:`
// block is rewritten in block style (comments inside that block are not kept; the rest of the
// file is untouched), under the same lock / validate / re-read / atomic-rename protocol as the
// account edits, and checked afterwards: the domain's lists must be exactly the intended ones
// and everything else unchanged. Addresses: "name@domain" of the list; members and admins as
// addresses (a bare local part gets @<domain>).
// add_list: kExists (address in use), kLimit (max_lists); delete_list: kNotFound.
// Member edits: kNotFound (no such list / member), kExists (member already there); deleting
// a member also removes it from the admins; an admin must be a member (kInvalidArgument).
struct NewList {
  std::vector<ListMember> members;
  std::vector<std::string> admins;
  std::string subject_tag;
  std::string subject_format;  // "" = the default
  std::optional<PostingPolicy> posting;
  std::optional<ReplyToPolicy> reply_to;
  bool archive = false;
};
maildir::Status add_list(const std::string& config_path, std::string_view list_address,
                         const NewList& list, const EditOptions& options = {});
maildir::Status delete_list(const std::string& config_path, std::string_view list_address,
                            const EditOptions& options = {});
maildir::Status add_list_member(const std::string& config_path, std::string_view list_address,
                                std::string_view member, std::string_view comment,
                                const EditOptions& options = {});
maildir::Status delete_list_member(const std::string& config_path, std::string_view list_address,
                                   std::string_view member, const EditOptions& options = {});
maildir::Status set_list_member_comment(const std::string& config_path,
                                        std::string_view list_address, std::string_view member,
                                        std::string_view comment, const EditOptions& options = {});
maildir::Status add_list_admin(const std::string& config_path, std::string_view list_address,
                               std::string_view admin, const EditOptions& options = {});
maildir::Status delete_list_admin(const std::string& config_path, std::string_view list_address,
                                  std::string_view admin, const EditOptions& options = {});

}  // namespace tegami::config
