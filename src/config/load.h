// Loading and validating the YAML files into a Config snapshot (config/config.h).
//
// load_config(path) reads the main file and every `*.yaml` of its domains directory
// (`domains_dir`, default `domains/` next to the main file; a missing default directory means
// no domain files). It never throws and never returns a half-valid snapshot:
//   - success: config != nullptr, errors empty; warnings may be present (e.g. a domain whose
//     account quotas add up to more than its disk_quota);
//   - failure: config == nullptr and at least one error. Every error and warning names the
//     file, line and column (1-based) of the offending YAML node.
// Thread safety: a pure function of the files; may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace tegami::config {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem is not tied to a position (unreadable file)
  int column = 0;  // 1-based
  std::string message;
  // "file:line:column: message" (or "file: message" without a position).
  std::string to_string() const;
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // nullptr when errors is not empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  bool ok() const { return config != nullptr; }
};

struct LoadOptions {
  // Text to use instead of a file's content, keyed by the path as the loader opens it
  // (absolute, lexically normalised). Used to validate an edit before writing it, and by tests.
  std::map<std::string, std::string> file_overrides;
  // Check that certificate and key files are readable (tegamid and `config check` do).
  bool check_tls_files = true;
};

LoadResult load_config(const std::string& path, const LoadOptions& options = {});

// The effective configuration (every key, defaults filled in) as YAML in the main file's
// schema, domains included; loading it again gives the same Config.
std::string dump_config(const Config& config);

// The documented example main file generated from the key table: every key with its default
// and a one-line comment (conf/examples/tegami-full.yaml is this text).
std::string example_config();

}  // namespace tegami::config
