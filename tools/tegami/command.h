// The admin command's table. Each command family lives in its own cmd_<family>.cpp and adds
// its rows with a static `Register` object; main.cpp parses the global options, finds the row
// whose words match the longest prefix of the arguments, and runs it.
//
// Exit codes: 0 success, 1 failure (message on stderr), 2 usage error; `deliver` uses the
// sysexits codes its contract names (75 temporary, 77 over quota).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tegami_cli {

struct Invocation {
  std::string config_path;         // resolved -c / $TEGAMI_CONFIG / conf/tegami.yaml / /etc/...
  bool config_given = false;       // true when -c or $TEGAMI_CONFIG named it
  std::vector<std::string> args;   // the words after the command's own words
};

struct Command {
  std::string_view words;  // e.g. "maildir make"
  std::string_view usage;  // e.g. "<dir>"
  std::string_view help;   // one line
  int (*run)(const Invocation&);
};

// Adds a command to the table at static-initialisation time.
struct Register {
  explicit Register(Command command);
};

const std::vector<Command>& commands();

// Prints "usage: tegami <words> <usage>" to stderr and returns 2.
int usage_error(const Command& command);
int usage_error(std::string_view words);

}  // namespace tegami_cli
