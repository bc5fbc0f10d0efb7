// fuzz-links: tegami_config
// The config loader on arbitrary YAML text: it must never crash or throw, and a config it
// accepts must survive `config dump` and load again (the dump is in the loader's own schema).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/load.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = "/nonexistent-tegami-fuzz/tegami.yaml";
  tegami::config::LoadOptions options;
  options.check_tls_files = false;
  options.file_overrides[path] = std::string(reinterpret_cast<const char*>(data), size);
  tegami::config::LoadResult r = tegami::config::load_config(path, options);
  if (!r.ok()) {
    if (r.errors.empty()) std::abort();  // a failure must say why
    return 0;
  }
  options.file_overrides[path] = tegami::config::dump_config(*r.config);
  tegami::config::LoadResult again = tegami::config::load_config(path, options);
  if (!again.ok()) std::abort();
  if (tegami::config::dump_config(*again.config) != options.file_overrides[path]) std::abort();
  return 0;
}
