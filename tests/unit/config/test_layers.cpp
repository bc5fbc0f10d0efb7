// STYLE.md practice 1: only the config layer includes yaml-cpp; everyone else gets plain structs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

TEST_CASE("no source outside src/config includes yaml-cpp, and config's public headers do not") {
  fs::path root = TEGAMI_SOURCE_DIR;
  int scanned = 0;
  for (const char* top : {"src", "tools", "maildir", "bench"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
      std::string rel = fs::relative(entry.path(), root).string();
      std::ifstream in(entry.path());
      std::string text((std::istreambuf_iterator<char>(in)), {});
      bool includes = text.find("#include <yaml-cpp/") != std::string::npos ||
                      text.find("#include \"yaml-cpp/") != std::string::npos;
      // Inside src/config only the internal schema.h and the .cpp files may.
      bool allowed =
          rel.rfind("src/config/", 0) == 0 && (ext == ".cpp" || rel == "src/config/schema.h");
      CAPTURE(rel);
      CHECK((!includes || allowed));
      ++scanned;
    }
  }
  CHECK(scanned > 10);
}
