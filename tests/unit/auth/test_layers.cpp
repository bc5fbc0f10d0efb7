// The layering rule for tegami_auth (STYLE.md practice 1): usable from worker threads and from
// the `tegami` tool, so it neither includes nor links libuv, OpenSSL or yaml-cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "auth/authenticator.h"
#include "auth/sasl.h"

namespace fs = std::filesystem;

TEST_CASE("src/auth includes no libuv, OpenSSL or yaml-cpp header") {
  fs::path auth_dir = fs::path(TEGAMI_SOURCE_DIR) / "src" / "auth";
  REQUIRE(fs::is_directory(auth_dir));
  std::regex forbidden(R"(#\s*include\s*[<"](uv\.h|uv/|openssl/|yaml-cpp/))");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(auth_dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    CAPTURE(entry.path().string());
    CHECK_FALSE(std::regex_search(text.str(), forbidden));
    ++files;
  }
  CHECK(files >= 10);
}

TEST_CASE("a binary linking tegami_auth loads no libuv, OpenSSL or yaml-cpp") {
  // Use the library so that its objects and their shared libraries are really linked in.
  CHECK(tegami_auth::base64_encode("x") == "eA==");
  CHECK(tegami_auth::auth_outcome_name(tegami_auth::AuthOutcome::kOk) == "ok");
  std::ifstream maps("/proc/self/maps");
  REQUIRE(maps.good());
  std::string line;
  bool saw_sodium = false;
  while (std::getline(maps, line)) {
    CAPTURE(line);
    CHECK(line.find("libuv") == std::string::npos);
    CHECK(line.find("libssl") == std::string::npos);
    CHECK(line.find("libcrypto.so") == std::string::npos);
    CHECK(line.find("libyaml-cpp") == std::string::npos);
    if (line.find("libsodium") != std::string::npos) saw_sodium = true;
  }
  CHECK(saw_sodium);  // the check sees shared libraries at all
}
