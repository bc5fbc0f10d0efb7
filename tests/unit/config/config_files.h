// Test helper: a temporary configuration tree (main file + domains/) written from strings.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "config/load.h"
#include "temp_dir.h"

class ConfigFiles {
 public:
  ConfigFiles() { std::filesystem::create_directories(dir_.path() + "/domains"); }
  // Writes `text` to `relative` (e.g. "tegami.yaml", "domains/a.test.yaml").
  void write(const std::string& relative, const std::string& text) const {
    std::ofstream(path(relative), std::ios::binary) << text;
  }
  std::string read(const std::string& relative) const {
    std::ifstream in(path(relative), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string path(const std::string& relative) const { return dir_.path() + "/" + relative; }
  std::string main() const { return path("tegami.yaml"); }
  tegami::config::LoadResult load() const { return tegami::config::load_config(main()); }
  // The first error, with the directory prefix removed: "domains/a.yaml:3:5: message".
  std::string first_error(const tegami::config::LoadResult& r) const { return strip(r.errors); }
  std::string first_warning(const tegami::config::LoadResult& r) const { return strip(r.warnings); }

 private:
  std::string strip(const std::vector<tegami::config::Diagnostic>& ds) const {
    if (ds.empty()) return "(none)";
    std::string s = ds.front().to_string();
    std::string prefix = dir_.path() + "/";
    if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
    return s;
  }
  TempDir dir_;
};
