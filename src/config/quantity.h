// Pure parsers for the quantities written in the config files. No I/O, no yaml-cpp.
//
// Megabytes (mailbox quota, disk_quota): a whole number of MB, either bare ("50") or with a
// binary unit suffix, case-insensitive, optional space: "50MB", "50M", "5GB", "5G", "2TB", "2T"
// (1 GB = 1024 MB). Refused: fractions ("1.5", "1.5GB"), units below a MB ("50KB", "50B"),
// signs, empty text, overflow.
// Bytes (message size, buffers): a bare integer is bytes; suffixes KB/K, MB/M, GB/G (binary).
// Durations: a bare integer is in the field's default unit; suffixes ms, s, m, h, d.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tegami::config {

std::optional<std::uint64_t> parse_megabytes(std::string_view text);
std::optional<std::uint64_t> parse_bytes(std::string_view text);
// `bare_unit_ms` is the unit of a bare number in milliseconds (1000 for seconds fields).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::int64_t bare_unit_ms);

}  // namespace tegami::config
