// The network core alone, serving implicit TLS with an idle handler: greets "* OK" and keeps
// the connection open. Prints "port <n>" on stdout once listening, runs until stdin closes.
//   tls_memory_server <cert.pem> <key.pem> [workers]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "net/worker.h"

namespace {

class IdleHandler final : public net::Handler {
 public:
  void on_open(net::Connection& c) override { c.send("* OK ready\r\n"); }
  size_t on_input(net::Connection& c, std::string_view data) override {
    (void)c;
    return data.size();
  }
  void on_limit(net::Connection& c, net::LimitKind) override { c.send("* BYE limit\r\n"); }
  void on_timeout(net::Connection& c, net::TimeoutKind) override { c.send("* BYE timeout\r\n"); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s cert.pem key.pem [workers]\n", argv[0]);
    return 2;
  }
  net::TlsSettings tls;
  tls.default_certificate = {argv[1], argv[2]};
  auto set = net::TlsContextSet::load(tls);
  if (!set.ok()) {
    std::fprintf(stderr, "%s\n", set.status().to_string().c_str());
    return 1;
  }
  net::ServerOptions o;
  o.workers = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 1;
  o.tls = std::make_shared<net::TlsStore>();
  o.tls->set(set.value());
  o.limits.max_connections = 100000;
  o.limits.max_connections_per_ip = 0;
  net::ListenerSpec s;
  s.info = {"imaps", "imap", net::TlsMode::kImplicit};
  s.address = "127.0.0.1";
  s.idle_timeout = std::chrono::hours(1);
  s.preauth_timeout = std::chrono::hours(1);
  s.factory = [](net::Connection&) { return std::make_unique<IdleHandler>(); };
  auto server = net::Server::start(std::move(o), {s});
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().to_string().c_str());
    return 1;
  }
  std::cout << "port " << server.value()->bound_port(0) << std::endl;
  char c;
  while (::read(0, &c, 1) > 0) {
  }
  server.value()->stop(std::chrono::milliseconds(0));
  return 0;
}
