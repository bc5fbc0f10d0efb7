// tegami — the admin command. See command.h for how commands are added.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "command.h"

namespace tegami_cli {

namespace {
std::vector<Command>& table() {
  static std::vector<Command> rows;
  return rows;
}

std::vector<std::string> split_words(std::string_view words) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < words.size()) {
    size_t end = words.find(' ', pos);
    if (end == std::string_view::npos) end = words.size();
    if (end > pos) out.emplace_back(words.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

void print_help() {
  std::fprintf(stderr, "usage: tegami [-c CONFIG] <command> ...\n\ncommands:\n");
  for (const Command& c : table()) {
    std::string line = std::string(c.words) + " " + std::string(c.usage);
    std::fprintf(stderr, "  %-44s %.*s\n", line.c_str(), static_cast<int>(c.help.size()),
                 c.help.data());
  }
}

// -c CONFIG, else $TEGAMI_CONFIG, else conf/tegami.yaml when present, else /etc/tegami/tegami.yaml.
void resolve_config(Invocation& inv, const char* flag_value) {
  if (flag_value != nullptr) {
    inv.config_path = flag_value;
    inv.config_given = true;
  } else if (const char* env = std::getenv("TEGAMI_CONFIG"); env != nullptr && *env != '\0') {
    inv.config_path = env;
    inv.config_given = true;
  } else if (access("conf/tegami.yaml", F_OK) == 0) {
    inv.config_path = "conf/tegami.yaml";
  } else {
    inv.config_path = "/etc/tegami/tegami.yaml";
  }
}
}  // namespace

Register::Register(Command command) { table().push_back(command); }

const std::vector<Command>& commands() { return table(); }

int usage_error(const Command& command) {
  std::fprintf(stderr, "usage: tegami %.*s %.*s\n", static_cast<int>(command.words.size()),
               command.words.data(), static_cast<int>(command.usage.size()),
               command.usage.data());
  return 2;
}

int usage_error(std::string_view words) {
  for (const Command& c : table()) {
    if (c.words == words) return usage_error(c);
  }
  std::fprintf(stderr, "usage: tegami %.*s\n", static_cast<int>(words.size()), words.data());
  return 2;
}

}  // namespace tegami_cli

int main(int argc, char** argv) {
  using namespace tegami_cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* config_flag = nullptr;
  size_t i = 0;
  while (i < args.size()) {
    if ((args[i] == "-c" || args[i] == "--config") && i + 1 < args.size()) {
      config_flag = argv[i + 2];
      i += 2;
    } else if (args[i] == "-h" || args[i] == "--help" || args[i] == "help") {
      print_help();
      return 0;
    } else {
      break;
    }
  }
  args.erase(args.begin(), args.begin() + static_cast<long>(i));

  const Command* best = nullptr;
  size_t best_len = 0;
  for (const Command& c : commands()) {
    std::vector<std::string> words = split_words(c.words);
    if (words.size() <= args.size() && words.size() > best_len &&
        std::equal(words.begin(), words.end(), args.begin())) {
      best = &c;
      best_len = words.size();
    }
  }
  if (best == nullptr) {
    if (!args.empty()) std::fprintf(stderr, "tegami: unknown command '%s'\n", args[0].c_str());
    print_help();
    return 2;
  }
  Invocation inv;
  resolve_config(inv, config_flag);
  inv.args.assign(args.begin() + static_cast<long>(best_len), args.end());
  return best->run(inv);
}
