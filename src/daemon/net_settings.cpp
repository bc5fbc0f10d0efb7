#include "daemon/net_settings.h"

#include <algorithm>

namespace tegami::daemon {

namespace {
net::TlsMode tls_mode(config::TlsMode m) {
  switch (m) {
    case config::TlsMode::kStartTls:
      return net::TlsMode::kStartTls;
    case config::TlsMode::kImplicit:
      return net::TlsMode::kImplicit;
    case config::TlsMode::kNone:
      break;
  }
  return net::TlsMode::kNone;
}

std::string host_port(const std::string& address, std::uint16_t port) {
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

std::string proxy_text(const config::Listener& l) {
  std::string out;
  for (const config::Cidr& c : l.proxy_protocol) out += c.text + ",";
  return out;
}
}  // namespace

net::TlsSettings tls_settings(const config::Config& config) {
  net::TlsSettings s;
  s.default_certificate = {config.tls.cert_file, config.tls.key_file};
  for (const config::SniCertificate& sni : config.tls.sni) {
    for (const std::string& raw : sni.names) {
      std::string name = raw.rfind("*.", 0) == 0 ? raw.substr(2) : raw;
      bool seen = std::any_of(s.domains.begin(), s.domains.end(),
                              [&](const net::TlsSettings::Domain& d) { return d.name == name; });
      if (!seen) s.domains.push_back({name, {sni.cert_file, sni.key_file}});
    }
  }
  return s;
}

bool has_certificate(const config::Config& config) {
  return !config.tls.cert_file.empty() && !config.tls.key_file.empty();
}

bool any_tls_listener(const config::Config& config) {
  return std::any_of(config.listeners.begin(), config.listeners.end(),
                     [](const config::Listener& l) { return l.tls != config::TlsMode::kNone; });
}

net::Limits net_limits(const config::Config& config) {
  net::Limits l;
  l.max_connections = config.limits.max_connections;
  l.max_connections_per_ip = config.limits.max_connections_per_ip;
  // Room for one maximal line plus whatever a pipelining client sends behind it.
  l.input_buffer_cap = std::max<std::size_t>(64 * 1024, 2 * config.limits.max_line_length);
  l.output_high_water = static_cast<std::size_t>(config.limits.max_output_buffer);
  return l;
}

net::ListenerSpec listener_spec(const config::Config& config, const config::Listener& listener) {
  net::ListenerSpec spec;
  spec.info.name = listener.name;
  spec.info.protocol = std::string(config::to_string(listener.protocol));
  spec.info.tls = tls_mode(listener.tls);
  spec.address = listener.address;
  spec.port = listener.port;
  for (const config::Cidr& c : listener.proxy_protocol) {
    if (auto cidr = net::Cidr::parse(c.text)) spec.proxy_from.push_back(*cidr);
  }
  spec.idle_timeout = config.limits.idle_timeout;
  spec.preauth_timeout = config.limits.preauth_timeout;
  return spec;
}

std::string listener_difference(const config::Config& a, const config::Config& b) {
  if (a.listeners.size() != b.listeners.size()) {
    return "number of listeners " + std::to_string(a.listeners.size()) + " -> " +
           std::to_string(b.listeners.size());
  }
  for (std::size_t i = 0; i < a.listeners.size(); ++i) {
    const config::Listener& x = a.listeners[i];
    const config::Listener& y = b.listeners[i];
    std::string what = "listener '" + x.name + "' ";
    if (x.name != y.name) return what + "renamed to '" + y.name + "'";
    if (x.protocol != y.protocol) {
      return what + "protocol " + std::string(config::to_string(x.protocol)) + " -> " +
             std::string(config::to_string(y.protocol));
    }
    if (x.address != y.address || x.port != y.port) {
      return what + "address " + host_port(x.address, x.port) + " -> " +
             host_port(y.address, y.port);
    }
    if (x.tls != y.tls) {
      return what + "tls " + std::string(config::to_string(x.tls)) + " -> " +
             std::string(config::to_string(y.tls));
    }
    if (proxy_text(x) != proxy_text(y)) return what + "proxy_protocol sources";
  }
  if (a.limits.idle_timeout != b.limits.idle_timeout ||
      a.limits.preauth_timeout != b.limits.preauth_timeout) {
    return "limits.idle_timeout / limits.preauth_timeout";
  }
  if (a.server.worker_loops != b.server.worker_loops) return "server.worker_loops";
  return "";
}

std::string describe_listeners(const config::Config& config) {
  std::string out;
  for (const config::Listener& l : config.listeners) {
    if (!out.empty()) out += ", ";
    out += l.name + " " + host_port(l.address, l.port);
    if (l.tls == config::TlsMode::kImplicit) out += " (implicit TLS)";
    if (l.tls == config::TlsMode::kStartTls) out += " (STARTTLS)";
  }
  return out;
}

}  // namespace tegami::daemon
