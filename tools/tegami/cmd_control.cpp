// `tegami who`, `tegami kick <user>`, `tegami reload`: talk to the running tegamid over its
// control socket (control/client.h). The socket path comes from the config's
// server.control_socket; `--socket PATH` overrides it (e.g. when the config has errors).
// `--json` prints the daemon's JSON answer line as it is.
//
// Exit codes: 0 the daemon answered ok; 1 it answered with an error (e.g. reload of an
// invalid config: the errors are printed) or could not be reached; 2 usage.
#include <cstdio>
#include <string>
#include <vector>

#include "command.h"
#include "config/load.h"
#include "control/client.h"
#include "control/protocol.h"

namespace tegami_cli {
namespace {

using tegami::control::Request;

struct ControlArgs {
  std::string socket;
  bool json = false;
  std::vector<std::string> rest;
};

bool parse_args(const Invocation& inv, ControlArgs& out) {
  for (size_t i = 0; i < inv.args.size(); ++i) {
    const std::string& a = inv.args[i];
    if (a == "--json") {
      out.json = true;
    } else if (a == "--socket" && i + 1 < inv.args.size()) {
      out.socket = inv.args[++i];
    } else if (a.rfind("--", 0) == 0) {
      return false;
    } else {
      out.rest.push_back(a);
    }
  }
  return true;
}

// The socket path from the config, or "" after printing why not.
std::string socket_from_config(const Invocation& inv) {
  tegami::config::LoadOptions options;
  options.check_tls_files = false;
  tegami::config::LoadResult r = tegami::config::load_config(inv.config_path, options);
  if (!r.ok()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    std::fprintf(stderr,
                 "tegami: cannot read the control socket path from %s; give --socket PATH\n",
                 inv.config_path.c_str());
    return "";
  }
  const auto& server = r.config->server;
  return server.control_socket.empty() ? tegami::control::default_socket_path(server.mail_root)
                                       : server.control_socket;
}

int talk(const Invocation& inv, std::string_view words, Request::Kind kind, size_t want_args) {
  ControlArgs args;
  if (!parse_args(inv, args) || args.rest.size() != want_args) return usage_error(words);
  std::string socket = args.socket.empty() ? socket_from_config(inv) : args.socket;
  if (socket.empty()) return 1;
  std::string line(words);
  for (const std::string& a : args.rest) line += " " + a;
  auto answer = tegami::control::request(socket, line);
  if (!answer.ok()) {
    std::fprintf(stderr, "tegami: %s\n", answer.status().message().c_str());
    return 1;
  }
  tegami::control::RenderedAnswer r = tegami::control::render_answer(kind, *answer);
  if (args.json) {
    std::printf("%s\n", answer->c_str());
  } else {
    std::fputs(r.text.c_str(), r.ok ? stdout : stderr);
  }
  return r.ok ? 0 : 1;
}

int run_who(const Invocation& inv) {
  return talk(inv, "who", Request::Kind::kWho, 0);
}
int run_kick(const Invocation& inv) {
  return talk(inv, "kick", Request::Kind::kKick, 1);
}
int run_reload(const Invocation& inv) {
  return talk(inv, "reload", Request::Kind::kReload, 0);
}

Register who_cmd{{"who", "[--json] [--socket PATH]",
                  "list the sessions of the running tegamid (protocol, user, client, since)",
                  &run_who}};
Register kick_cmd{{"kick", "<user> [--json] [--socket PATH]",
                   "close every session of <user> in the running tegamid", &run_kick}};
Register reload_cmd{{"reload", "[--json] [--socket PATH]",
                     "make the running tegamid reload its configuration (errors are shown)",
                     &run_reload}};

}  // namespace
}  // namespace tegami_cli
