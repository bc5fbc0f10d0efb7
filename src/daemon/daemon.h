// tegamid: loads the configuration, starts the network workers, and runs the main loop that
// handles signals (SIGHUP reload, SIGTERM/SIGINT drain), configuration file changes (inotify),
// the metrics endpoint and the control socket, and tells systemd about its state.
//
// run() returns the process exit code: 0 after a drain, 1 when the start failed (an invalid
// configuration: every error printed to stderr as "file:line:col: message"; a port that cannot
// be bound; an unusable certificate). Called once, from main(), on the main thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace tegami::daemon {

struct Options {
  std::string config_path;
  // How long running sessions may take to finish after SIGTERM/SIGINT before they are closed;
  // overrides the config's server.drain_timeout when set (tegamid --drain-timeout).
  std::optional<std::chrono::milliseconds> drain_timeout;
};

int run(const Options& options);

// -c/--config, else $TEGAMI_CONFIG, else conf/tegami.yaml under the current directory when
// present, else /etc/tegami/tegami.yaml (the rule `tegami` uses too). `flag` may be null.
std::string resolve_config_path(const char* flag);

}  // namespace tegami::daemon
