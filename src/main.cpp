// tegamid — the mail server daemon. Runs in the foreground; see daemon/daemon.h.
//
//   tegamid [-c CONFIG] [--drain-timeout SECONDS]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "daemon/daemon.h"

namespace {
void usage(FILE* out) {
  std::fprintf(out,
               "usage: tegamid [-c CONFIG] [--drain-timeout SECONDS]\n"
               "  -c, --config CONFIG      main config file (default: $TEGAMI_CONFIG, else\n"
               "                           conf/tegami.yaml when present, else "
               "/etc/tegami/tegami.yaml)\n"
               "  --drain-timeout SECONDS  on SIGTERM/SIGINT, how long sessions may finish\n"
               "                           before they are closed (default 30)\n"
               "signals: SIGHUP reloads the configuration; SIGTERM/SIGINT drain and exit 0\n");
}
}  // namespace

int main(int argc, char** argv) {
  // libuv's thread pool runs every durable delivery (write + fsync + rename + fsync of new/):
  // its default of 4 threads would cap the parallel fsyncs at 4 however many SMTP sessions
  // wait, while the disk commits many at once (ext4 group commit). 16 unless the admin sets
  // UV_THREADPOOL_SIZE; must happen before the first use of the pool.
  ::setenv("UV_THREADPOOL_SIZE", "16", 0);
  const char* config = nullptr;
  tegami::daemon::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "-c" || arg == "--config") && i + 1 < argc) {
      config = argv[++i];
    } else if (arg == "--drain-timeout" && i + 1 < argc) {
      char* end = nullptr;
      double secs = std::strtod(argv[++i], &end);
      if (end == nullptr || *end != '\0' || !(secs >= 0) || secs > 86400) {
        std::fprintf(stderr, "tegamid: --drain-timeout wants seconds (0..86400)\n");
        return 2;
      }
      options.drain_timeout = std::chrono::milliseconds(static_cast<long long>(secs * 1000));
    } else if (arg == "-h" || arg == "--help") {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  options.config_path = tegami::daemon::resolve_config_path(config);
  return tegami::daemon::run(options);
}
