// Internal to tegami_config: the text helpers of the atomic YAML edits (edit.cpp), shared by
// the account edits and the list edits (list_edit.cpp). Not for other folders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

}  // namespace tegami::config::detail
