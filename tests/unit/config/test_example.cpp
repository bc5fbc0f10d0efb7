// The key table drives the example config and the dump: they cannot drift from the loader.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config_files.h"

namespace {

std::string source_dir() {
  return TEGAMI_SOURCE_DIR;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// "section.key" -> value for the block-mapping lines of a YAML text (lists are skipped), and
// whether the comment above the key marked the value as a mere example or required.
struct KeyLine {
  std::string value;
  bool is_default = true;
};
std::map<std::string, KeyLine> key_lines(const std::string& text) {
  std::map<std::string, KeyLine> out;
  std::vector<std::pair<size_t, std::string>> stack;
  std::istringstream in(text);
  std::string line, last_comment;
  size_t skip_deeper_than = std::string::npos;
  while (std::getline(in, line)) {
    size_t ind = line.find_first_not_of(' ');
    if (ind == std::string::npos) continue;
    if (line[ind] == '#') {
      last_comment = line;
      continue;
    }
    if (skip_deeper_than != std::string::npos && ind > skip_deeper_than) continue;
    skip_deeper_than = std::string::npos;
    while (!stack.empty() && stack.back().first >= ind) stack.pop_back();
    if (line[ind] == '-') {
      skip_deeper_than = ind;
      continue;
    }
    size_t colon = line.find(':', ind);
    if (colon == std::string::npos) continue;
    std::string key = line.substr(ind, colon - ind);
    std::string path;
    for (const auto& s : stack) path += s.second + ".";
    path += key;
    std::string value = colon + 1 < line.size() ? line.substr(colon + 2) : "";
    if (value.empty()) {
      stack.emplace_back(ind, key);
    } else {
      out[path] = {value, last_comment.find("(required)") == std::string::npos &&
                              last_comment.find("(example)") == std::string::npos};
    }
    last_comment.clear();
  }
  return out;
}

}  // namespace

TEST_CASE("the example config is valid") {
  ConfigFiles f;
  f.write("tegami.yaml", tegami::config::example_config());
  std::filesystem::create_directories(f.path("domains"));
  tegami::config::LoadOptions options;
  options.check_tls_files = false;
  auto r = tegami::config::load_config(f.main(), options);
  REQUIRE_MESSAGE(r.ok(), f.first_error(r));
  CHECK(r.config->domains.size() == 1);
  CHECK(r.config->listeners.size() == 1);
}

TEST_CASE("conf/examples/tegami-full.yaml is the generated example") {
  std::string committed = read_file(source_dir() + "/conf/examples/tegami-full.yaml");
  CHECK_MESSAGE(committed == tegami::config::example_config(),
                "regenerate with: tegami config example > conf/examples/tegami-full.yaml");
}

TEST_CASE("every value the example shows as a default is the loader's default") {
  ConfigFiles f;
  f.write("tegami.yaml", "");
  auto r = f.load();
  REQUIRE(r.ok());
  auto defaults = key_lines(tegami::config::dump_config(*r.config));
  auto example = key_lines(tegami::config::example_config());
  int compared = 0;
  for (const auto& [path, line] : example) {
    if (!line.is_default || path == "server.worker_loops") continue;  // 0 = cores, resolved
    if (path == "domains_dir") continue;
    auto it = defaults.find(path);
    if (it == defaults.end()) continue;  // only in sequences or optional
    CAPTURE(path);
    CHECK(line.value == it->second.value);
    ++compared;
  }
  CHECK(compared >= 20);
}

TEST_CASE("dump then load gives the same configuration") {
  ConfigFiles f;
  f.write("tegami.yaml",
          "server:\n  mail_root: m\nlisteners:\n  - name: p\n    protocol: pop3\n    listen: "
          "'[::]:110'\n    allow_plaintext_auth: true\nlimits:\n  idle_timeout: 10m\n");
  f.write("domains/a.yaml",
          "domain: a.test\nplan: basic\ndisk_quota: 1GB\naccounts:\n  - user: a\n    password: "
          "\"{PLAIN}x\"\n    display_name: \"A: the first\"\n    aliases: [aa]\naliases:\n  - "
          "address: p\n    to: [a]\nlists:\n  - address: l\n    members: [a, {address: b@x.test, "
          "comment: \"B, Inc.\"}]\n    subject_tag: l\n");
  auto r1 = f.load();
  REQUIRE_MESSAGE(r1.ok(), f.first_error(r1));
  std::string d1 = tegami::config::dump_config(*r1.config);
  ConfigFiles g;
  g.write("tegami.yaml", d1);
  auto r2 = g.load();
  REQUIRE_MESSAGE(r2.ok(), g.first_error(r2));
  std::string d2 = tegami::config::dump_config(*r2.config);
  auto body = [](const std::string& s) { return s.substr(s.find("\nserver:")); };
  CHECK(body(d1) == body(d2));
  CHECK(r2.config->limits.idle_timeout == std::chrono::seconds(600));
  CHECK(r2.config->domains[0].accounts[0].display_name == "A: the first");
}

TEST_CASE("the shipped conf/tegami.yaml is valid: loopback listeners and the demo domain") {
  auto r = tegami::config::load_config(source_dir() + "/conf/tegami.yaml");
  REQUIRE_MESSAGE(r.ok(), (r.errors.empty() ? "" : r.errors[0].to_string()));
  const auto& c = *r.config;
  CHECK(c.listeners.size() == 7);
  for (const auto& l : c.listeners) CHECK(l.address == "127.0.0.1");
  CHECK(c.tls.self_signed_if_missing);
  CHECK(c.server.mail_root == source_dir() + "/var/mail");
  CHECK(c.find_account("alice@example.test") != nullptr);
  CHECK(c.find_account("bob@example.test") != nullptr);
}

TEST_CASE("docs/config.md documents every key of the key table") {
  std::string doc = read_file(source_dir() + "/docs/config.md");
  REQUIRE_FALSE(doc.empty());
  std::istringstream in(tegami::config::example_config());
  std::string line;
  int keys = 0;
  while (std::getline(in, line)) {
    size_t ind = line.find_first_not_of(" -");
    if (ind == std::string::npos || line[ind] == '#' || line[ind] == '{') continue;
    size_t colon = line.find(':', ind);
    if (colon == std::string::npos) continue;
    std::string key = line.substr(ind, colon - ind);
    CAPTURE(key);
    CHECK(doc.find("`" + key + "`") != std::string::npos);
    ++keys;
  }
  CHECK(keys > 60);
}

TEST_CASE("conf/examples/hosting.yaml and its domain files are valid") {
  tegami::config::LoadOptions options;
  options.check_tls_files = false;  // the example's certificate paths are illustrations
  auto r = tegami::config::load_config(source_dir() + "/conf/examples/hosting.yaml", options);
  REQUIRE_MESSAGE(r.ok(), (r.errors.empty() ? "" : r.errors[0].to_string()));
  const auto& c = *r.config;
  CHECK(c.listeners.size() == 7);
  CHECK(c.find_plan("basic")->allows(tegami::config::Protocol::kImap) == false);
  const auto* d = c.find_domain("acme.example");
  REQUIRE(d != nullptr);
  CHECK(d->max_lists == 150u);
  CHECK(c.find_account("tanaka@acme.example")->quota_mb == 5120u);
  CHECK(c.find_account("suzuki@acme.example")->quota_mb == 50u);
  CHECK(c.resolve("ceo@acme.example").account->local_part == "tanaka");
  CHECK(r.warnings.empty());
}
