// The config snapshot as the network layer gets it, and what a reload cannot change live.
#include <doctest/doctest.h>

#include "daemon/net_settings.h"

using namespace tegami;

namespace {
config::Config two_listeners() {
  config::Config c;
  config::Listener smtp;
  smtp.name = "smtp";
  smtp.protocol = config::Protocol::kSmtp;
  smtp.address = "127.0.0.1";
  smtp.port = 2525;
  config::Listener imaps;
  imaps.name = "imaps";
  imaps.protocol = config::Protocol::kImap;
  imaps.address = "::1";
  imaps.port = 2993;
  imaps.tls = config::TlsMode::kImplicit;
  c.listeners = {smtp, imaps};
  c.tls.cert_file = "/etc/tegami/cert.pem";
  c.tls.key_file = "/etc/tegami/key.pem";
  return c;
}
}  // namespace

TEST_CASE("listener specs carry name, protocol, TLS mode, address and timeouts") {
  config::Config c = two_listeners();
  c.limits.idle_timeout = std::chrono::seconds(300);
  c.limits.preauth_timeout = std::chrono::seconds(20);
  config::Cidr trusted;
  trusted.text = "10.0.0.0/8";
  c.listeners[1].proxy_protocol = {trusted};
  net::ListenerSpec s = daemon::listener_spec(c, c.listeners[1]);
  CHECK(s.info.name == "imaps");
  CHECK(s.info.protocol == "imap");
  CHECK(s.info.tls == net::TlsMode::kImplicit);
  CHECK(s.address == "::1");
  CHECK(s.port == 2993);
  CHECK(s.idle_timeout == std::chrono::seconds(300));
  CHECK(s.preauth_timeout == std::chrono::seconds(20));
  REQUIRE(s.proxy_from.size() == 1);
  CHECK(s.proxy_from[0].contains(*net::SocketAddress::parse("10.1.2.3", 1)));
  CHECK_FALSE(s.proxy_from[0].contains(*net::SocketAddress::parse("192.0.2.1", 1)));
  CHECK(daemon::listener_spec(c, c.listeners[0]).info.tls == net::TlsMode::kNone);
}

TEST_CASE("TLS settings: default certificate plus one entry per SNI name, wildcards folded") {
  config::Config c = two_listeners();
  c.tls.sni.push_back({{"a.test", "*.a.test"}, "/a.pem", "/a.key"});
  c.tls.sni.push_back({{"b.test"}, "/b.pem", "/b.key"});
  net::TlsSettings t = daemon::tls_settings(c);
  CHECK(t.default_certificate.cert_file == "/etc/tegami/cert.pem");
  CHECK(t.default_certificate.key_file == "/etc/tegami/key.pem");
  REQUIRE(t.domains.size() == 2);
  CHECK(t.domains[0].name == "a.test");
  CHECK(t.domains[0].certificate.cert_file == "/a.pem");
  CHECK(t.domains[1].name == "b.test");
  CHECK(daemon::has_certificate(c));
  CHECK(daemon::any_tls_listener(c));
}

TEST_CASE("limits: connection counts and output high-water mark come from the config") {
  config::Config c = two_listeners();
  c.limits.max_connections = 7;
  c.limits.max_connections_per_ip = 3;
  c.limits.max_output_buffer = 123456;
  c.limits.max_line_length = 100000;
  net::Limits l = daemon::net_limits(c);
  CHECK(l.max_connections == 7);
  CHECK(l.max_connections_per_ip == 3);
  CHECK(l.output_high_water == 123456);
  CHECK(l.input_buffer_cap >= 100000);
}

TEST_CASE("listener_difference names what needs a restart, and nothing else") {
  config::Config a = two_listeners();
  config::Config b = two_listeners();
  CHECK(daemon::listener_difference(a, b).empty());
  b.domains.push_back({});         // accounts, domains: live
  b.tls.cert_file = "/other.pem";  // certificates: live
  b.server.hostname = "other";     // hostname: live
  CHECK(daemon::listener_difference(a, b).empty());
  b.listeners[0].port = 2526;
  CHECK(daemon::listener_difference(a, b) ==
        "listener 'smtp' address 127.0.0.1:2525 -> 127.0.0.1:2526");
  b = two_listeners();
  b.listeners[1].tls = config::TlsMode::kStartTls;
  CHECK(daemon::listener_difference(a, b).find("tls implicit -> starttls") != std::string::npos);
  b = two_listeners();
  b.listeners.pop_back();
  CHECK(daemon::listener_difference(a, b) == "number of listeners 2 -> 1");
  b = two_listeners();
  b.limits.idle_timeout = std::chrono::seconds(1);
  CHECK_FALSE(daemon::listener_difference(a, b).empty());
  b = two_listeners();  // connection limits and the output buffer apply live (Server::set_limits)
  b.limits.max_connections = 1;
  b.limits.max_connections_per_ip = 1;
  b.limits.max_output_buffer = 4096;
  CHECK(daemon::listener_difference(a, b).empty());
}

TEST_CASE("the startup line describes listeners with their TLS mode") {
  CHECK(daemon::describe_listeners(two_listeners()) ==
        "smtp 127.0.0.1:2525, imaps [::1]:2993 (implicit TLS)");
}
