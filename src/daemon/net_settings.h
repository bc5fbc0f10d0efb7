// The config snapshot turned into the network layer's plain structs (net keeps no dependency on
// the config library), and the comparison that tells what a reload cannot change live.
// Pure functions of their arguments; any thread.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "net/limits.h"
#include "net/tls.h"
#include "net/worker.h"

namespace tegami::daemon {

// Default certificate + one entry per SNI name ("*.example.com" is given to net as
// "example.com", whose lookup already falls back from sub-domains to their parents).
net::TlsSettings tls_settings(const config::Config& config);

// True when a default certificate is configured (every TLS listener needs one).
bool has_certificate(const config::Config& config);
bool any_tls_listener(const config::Config& config);

net::Limits net_limits(const config::Config& config);

// The listener's spec without its factory (the daemon adds it). Trusted PROXY sources that net
// cannot parse are impossible after validation, and are skipped.
net::ListenerSpec listener_spec(const config::Config& config, const config::Listener& listener);

// Empty when `a` and `b` bind the same listeners the same way (name, protocol, address,
// port, TLS mode, PROXY sources, timeouts); otherwise a one-line description of the first
// difference, e.g. "listener 'imap' port 143 -> 1143".
std::string listener_difference(const config::Config& a, const config::Config& b);

// "smtp 127.0.0.1:2525, imaps 127.0.0.1:2993 (implicit TLS), ..." for the startup line.
std::string describe_listeners(const config::Config& config);

}  // namespace tegami::daemon
