// Puts every connection of a listener into the session registry (for `tegami who`/`kick`).
//
// tracked_factory() wraps a listener's handler factory: each connection is added to the
// registry under its connection id (so a protocol layer records a login with
// `control::process_sessions().set_user(c.id(), user)`), its TLS state is kept current, and
// it is removed when the connection closes. Kicking a session runs, on the connection's own
// loop thread, the protocol handler's on_shutdown() (its goodbye: "* BYE", "421 ...") and then
// close().
//
// `post_all` runs a function on every worker loop (net::Server::post_all); it is called from
// the kicking thread, so it must be thread-safe and usable for as long as sessions exist.
// The returned factory runs on the worker loops, like any net::HandlerFactory.
#pragma once

#include <functional>

#include "control/session_registry.h"
#include "net/connection.h"

namespace tegami::daemon {

using PostAll = std::function<void(std::function<void()>)>;

net::HandlerFactory tracked_factory(net::HandlerFactory inner, control::SessionRegistry& registry,
                                    PostAll post_all);

}  // namespace tegami::daemon
