// Internal to tegami_config: the text helpers of the atomic YAML edits (edit.cpp), shared by
// the account edits and the list edits (list_edit.cpp). Not for other folders.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/edit.h"
#include "config/load.h"
#include "maildir/status.h"

namespace tegami::config::detail {

std::string lower(std::string_view s);
std::vector<std::string> split_lines(const std::string& text);
std::string join_lines(const std::vector<std::string>& lines);
int indent_of(const std::string& line);
bool blank_or_comment(const std::string& line);
// End (exclusive) of the block that starts at line `first` with content deeper than `col`
// (`seq`: "- " lines at `col` belong to it too).
size_t block_end(const std::vector<std::string>& lines, size_t first, int col, bool seq);
std::string yaml_quoted(std::string_view s);
std::string pad(int n);
bool split_address(std::string_view address, std::string& local, std::string& domain);
maildir::Status read_file(const std::string& path, std::string& out);
// temp file, fsync, rename over `path` (same mode), fsync the directory.
maildir::Status write_atomically(const std::string& path, const std::string& text);
std::string first_errors(const LoadResult& r);

// The guarded edit of one domain's file, shared by the account and the list edits: under the
// file's dot-lock, `make` computes the new text from the current text (and the configuration
// loaded with it); the configuration loaded with the new text must be valid and pass `check`
// (else nothing is written); the file is re-read just before the atomic write and the edit redone
// when it changed meanwhile (by hand), up to options.attempts times (then kLocked).
using DomainTextEdit = std::function<maildir::Status(const std::string& text, const Config& current,
                                                     const Domain& domain, std::string& new_text)>;
// kInvalidArgument with the reason when `after` (the domain loaded from the new text, or null)
// is not what `make` meant to do.
using DomainEditCheck = std::function<maildir::Status(
    const Config& current, const Domain& domain, const Config& after_config, const Domain* after)>;
maildir::Status edit_domain_file(const std::string& config_path, const std::string& domain,
                                 const EditOptions& options, const DomainTextEdit& make,
                                 const DomainEditCheck& check);

}  // namespace tegami::config::detail
