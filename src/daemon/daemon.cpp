// tegamid's main loop. The network workers run on their own threads (net::Server); this
// thread's libuv loop only handles what is rare and administrative: signals, config file
// changes, the metrics endpoint and the control socket. Reload therefore runs here, loading
// and validating the files synchronously (milliseconds) while the workers keep serving.
//
// Reload is all-or-nothing: the new snapshot must load without errors AND its certificates
// must load, else the running configuration stays and the reason is logged with
// file:line:col. What a reload swaps live: the snapshot new sessions read (accounts, domains,
// plans, limits the protocols check, hostname in greetings) and the TLS certificates (new
// handshakes get the new set; established sessions keep theirs). What needs a restart: the
// listener set, the network layer's connection limits and timeouts, worker count, the
// metrics and control listeners; a reload that changes them applies the rest and logs a
// warning naming the first such difference.
#include "daemon/daemon.h"

#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "config/load.h"
#include "control/client.h"
#include "control/protocol.h"
#include "control/session_registry.h"
#include "daemon/config_store.h"
#include "daemon/config_watcher.h"
#include "daemon/net_settings.h"
#include "daemon/queue_service.h"
#include "daemon/self_signed.h"
#include "daemon/session_tracking.h"
#include "daemon/stream_server.h"
#include "delivery/journal.h"
#include "imap/session.h"
#include "log/log.h"
#include "login/login.h"
#include "metrics/counters.h"
#include "metrics/http.h"
#include "net/unavailable.h"
#include "net/worker.h"
#include "outbound/queue_transport.h"
#include "pop3/session.h"
#include "smtp/session.h"

namespace tegami::daemon {

namespace {
using maildir::Status;

constexpr std::chrono::milliseconds kReloadDebounce{300};

std::string control_socket_path(const config::Config& c) {
  return c.server.control_socket.empty() ? control::default_socket_path(c.server.mail_root)
                                         : c.server.control_socket;
}

Status make_dir(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return maildir::from_errno(ec.value(), "mkdir " + dir);
  return Status::Ok();
}

void notify_systemd(const std::string& state) {
  // A no-op returning 0 when NOTIFY_SOCKET is unset (not started by systemd Type=notify).
  sd_notify(0, state.c_str());
}

std::string monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::to_string(static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                        static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL);
}

class Daemon : public control::Backend {
 public:
  explicit Daemon(Options options) : options_(std::move(options)) { uv_loop_init(&loop_); }
  ~Daemon() override {
    // Everything was closed by shutdown(); let the close callbacks free the handles.
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }

  int start();
  void run() { uv_run(&loop_, UV_RUN_DEFAULT); }

  // control::Backend, called on the main loop by the control socket.
  std::vector<control::SessionInfo> sessions() override {
    return control::process_sessions().list();
  }
  std::size_t kick(std::string_view user) override {
    std::size_t n = control::process_sessions().kick(user);
    logging::notice("control: kick " + logging::sanitize(user) + ": " + std::to_string(n) +
                    " session(s)");
    return n;
  }
  control::ReloadOutcome reload() override { return reload_from("control socket"); }
  std::string queue_action(QueueAction action, std::string_view id) override {
    if (!queue_) return "no mail queue";
    std::string qid(id);
    if (action != QueueAction::kFlush && !queue_->queue()->exists(qid)) {
      return "no such queue entry";
    }
    bool ok = action == QueueAction::kFlush   ? queue_->flush()
              : action == QueueAction::kRetry ? queue_->retry(qid)
                                              : queue_->remove(qid);
    if (!ok) return "the queue manager is not running yet, try again";
    logging::notice(std::string("control: queue ") + (action == QueueAction::kFlush ? "flush"
                                                      : action == QueueAction::kRetry
                                                          ? "retry " + qid
                                                          : "delete " + qid));
    return "";
  }

 private:
  control::ReloadOutcome reload_from(const std::string& reason);
  // Certificates for `c`: self-signed pair created if configured so, then loaded.
  maildir::Result<std::shared_ptr<const net::TlsContextSet>> load_certificates(
      const config::Config& c);
  Status start_control(const config::Config& c);
  // Replays what a crash left in <queue_dir>/journal (before any listener opens), then opens
  // the delivery journal the SMTP sessions use.
  Status start_journal(const config::Config& c);
  Status start_metrics(const config::Config& c);
  // Starts (or, with outbound.enabled false, stops) remote delivery for `c`; on reload only
  // when its settings changed. A failure is logged: remote mail then stays queued.
  void configure_outbound(const config::Config* previous, const config::Config& c);
  void stop_outbound();
  void watch(const config::Config& c);
  void handle_signals();
  void shutdown(const char* why);
  std::string metrics_text() const;
  net::HandlerFactory factory_for(const config::Listener& listener);

  Options options_;
  uv_loop_t loop_{};
  ConfigStore store_;
  std::shared_ptr<net::TlsStore> tls_ = std::make_shared<net::TlsStore>();
  std::unique_ptr<QueueService> queue_;  // declared before server_: outlives the workers
  std::unique_ptr<tegami_delivery::Journal> journal_;  // outlives the workers too
  std::unique_ptr<net::Server> server_;
  std::shared_ptr<outbound::QueueTransport> transport_;  // null: remote mail stays queued
  std::unique_ptr<StreamServer> metrics_;
  std::unique_ptr<StreamServer> control_;
  std::unique_ptr<ConfigWatcher> watcher_;
  std::vector<uv_signal_t*> signals_;
  bool stopping_ = false;
};

Status Daemon::start_journal(const config::Config& c) {
  const std::string dir = c.server.queue_dir + "/journal";
  const std::uint64_t max_payload = c.limits.max_message_size + (64ull << 20);
  tegami_delivery::JournalRecovery r = tegami_delivery::recover_journal(dir, max_payload);
  for (const std::string& note : r.notes) logging::warning(note);
  if (r.segments + r.kept > 0) {
    logging::notice("journal: replayed " + std::to_string(r.segments) + " segment(s), " +
                    std::to_string(r.records) + " record(s): " + std::to_string(r.intact) +
                    " intact, " + std::to_string(r.rewritten) + " rewritten, " +
                    std::to_string(r.redelivered) + " delivered again, " + std::to_string(r.gone) +
                    " for mailboxes gone; " + std::to_string(r.kept) + " segment(s) kept");
  }
  tegami_delivery::JournalOptions o;
  o.dir = dir;
  o.sync_also = c.server.queue_dir;
  o.max_payload = max_payload;
  auto j = tegami_delivery::Journal::open(std::move(o));
  if (!j.ok()) return j.status();
  journal_ = std::move(j).value();
  return Status::Ok();
}

maildir::Result<std::shared_ptr<const net::TlsContextSet>> Daemon::load_certificates(
    const config::Config& c) {
  if (!has_certificate(c)) {
    if (any_tls_listener(c)) {
      return Status(maildir::Code::kInvalidArgument,
                    "a listener uses TLS but tls.cert / tls.key are not set");
    }
    return std::shared_ptr<const net::TlsContextSet>();
  }
  if (c.tls.self_signed_if_missing) {
    auto made = ensure_self_signed_certificate(c.tls.cert_file, c.tls.key_file, c.server.hostname);
    if (!made.ok()) return made.status();
    if (*made) {
      logging::notice("tls: created a self-signed certificate for " + c.server.hostname + " at " +
                      c.tls.cert_file + " (key " + c.tls.key_file + ")");
    }
  }
  return net::TlsContextSet::load(tls_settings(c));
}

net::HandlerFactory Daemon::factory_for(const config::Listener& listener) {
  // The protocols are not implemented yet: every listener answers "not available" with the
  // current snapshot's hostname. A protocol issue replaces this with its own factory, which
  // takes `store_.get()` per session.
  std::string protocol(config::to_string(listener.protocol));
  net::HandlerFactory inner = [this, protocol](net::Connection& c) {
    std::shared_ptr<const config::Config> cfg = store_.get();
    return net::unavailable_handler_factory(protocol, cfg->server.hostname)(c);
  };
  if (listener.protocol == config::Protocol::kPop3) {
    pop3::SessionOptions o;
    o.allow_plaintext_auth = listener.allow_plaintext_auth;
    o.starttls_offered = listener.tls == config::TlsMode::kStartTls;
    inner = [this, o](net::Connection&) { return pop3::make_session(store_.get(), o); };
  }
  if (listener.protocol == config::Protocol::kImap) {
    bool plaintext = listener.allow_plaintext_auth;
    inner = [this, plaintext](net::Connection&) -> std::unique_ptr<net::Handler> {
      imap::SessionOptions o;
      o.config = store_.get();
      o.allow_plaintext_auth = plaintext;
      o.login = &login::process_login_service();
      o.on_login = [](net::Connection& c, const std::string& user) {
        control::process_sessions().set_user(c.id(), user);
      };
      return std::make_unique<imap::Session>(std::move(o));
    };
  }
  if (listener.protocol == config::Protocol::kSmtp ||
      listener.protocol == config::Protocol::kSubmission) {
    tegami_smtp::SessionSettings st;
    st.submission = listener.protocol == config::Protocol::kSubmission;
    st.allow_plaintext_auth = listener.allow_plaintext_auth;
    if (listener.protocol == config::Protocol::kSmtp) st.greeting_delay = listener.greeting_delay;
    st.on_login = [](net::Connection& c, const std::string& user) {
      control::process_sessions().set_user(c.id(), user);
    };
    if (queue_) {
      st.queue = queue_->queue();
      st.on_queued = [this](const std::vector<tegami_queue::QueueId>& ids) { queue_->notify(ids); };
    }
    st.journal = journal_.get();
    inner = [this, st](net::Connection&) -> std::unique_ptr<net::Handler> {
      return std::make_unique<tegami_smtp::Session>(store_.get(), st);
    };
  }
  return tracked_factory(std::move(inner), control::process_sessions(),
                         [this](std::function<void()> fn) {
                           if (server_) server_->post_all([fn](net::Worker&) { fn(); });
                         });
}

int Daemon::start() {
  config::LoadResult loaded = config::load_config(options_.config_path);
  if (!loaded.ok()) {
    for (const config::Diagnostic& d : loaded.errors) {
      std::fprintf(stderr, "%s\n", d.to_string().c_str());
    }
    std::fprintf(stderr, "tegamid: %s has errors; not starting\n", options_.config_path.c_str());
    return 1;
  }
  for (const config::Diagnostic& d : loaded.warnings) {
    logging::warning("config: warning: " + d.to_string());
  }
  std::shared_ptr<const config::Config> cfg = loaded.config;
  for (const std::string& dir : {cfg->server.mail_root, cfg->server.queue_dir}) {
    if (Status s = make_dir(dir); !s.ok()) {
      logging::error("tegamid: " + s.to_string());
      return 1;
    }
  }
  auto certs = load_certificates(*cfg);
  if (!certs.ok()) {
    logging::error("tegamid: tls: " + certs.status().to_string());
    return 1;
  }
  auto queue = QueueService::open(cfg->server.queue_dir);
  if (!queue.ok()) {
    logging::error("tegamid: queue " + cfg->server.queue_dir + ": " + queue.status().to_string());
    return 1;
  }
  queue_ = std::move(queue).value();
  if (Status s = start_journal(*cfg); !s.ok()) {
    logging::error("tegamid: delivery journal: " + s.to_string());
    return 1;
  }
  tls_->set(*certs);
  store_.set(cfg);
  login::process_login_service().configure(*cfg);
  tegami_auth::prepare_dummy_hash();

  net::ServerOptions server_options;
  server_options.workers = cfg->server.worker_loops;
  server_options.limits = net_limits(*cfg);
  server_options.tls = tls_;
  std::vector<net::ListenerSpec> specs;
  for (const config::Listener& l : cfg->listeners) {
    net::ListenerSpec spec = listener_spec(*cfg, l);
    spec.factory = factory_for(l);
    specs.push_back(std::move(spec));
  }
  auto server = net::Server::start(std::move(server_options), std::move(specs));
  if (!server.ok()) {
    logging::error("tegamid: cannot start the listeners: " + server.status().to_string());
    return 1;
  }
  server_ = std::move(server).value();
  queue_->start(server_->worker(0), [this] { return store_.get(); });
  configure_outbound(nullptr, *cfg);

  if (Status s = start_metrics(*cfg); !s.ok()) {
    logging::error("tegamid: metrics: " + s.to_string());
    shutdown("start failed");
    return 1;
  }
  if (Status s = start_control(*cfg); !s.ok()) {
    logging::error("tegamid: control socket: " + s.to_string());
    shutdown("start failed");
    return 1;
  }
  watch(*cfg);
  handle_signals();

  std::string metrics_where =
      metrics_ ? cfg->metrics.address + ":" + std::to_string(metrics_->port()) : "off";
  logging::notice("tegamid " + std::string(TEGAMI_VERSION) + " started: config " + cfg->main_file +
                  ", " + std::to_string(server_->worker_count()) +
                  " workers, listeners: " + describe_listeners(*cfg) + "; metrics " +
                  metrics_where + "; control " + control_socket_path(*cfg) + "; " +
                  std::to_string(cfg->domains.size()) + " domain(s)");
  notify_systemd("READY=1\nSTATUS=serving");
  return 0;
}

void Daemon::configure_outbound(const config::Config* previous, const config::Config& c) {
  if (!c.outbound.enabled) {
    if (transport_) logging::notice("outbound: disabled; remote mail stays queued");
    stop_outbound();
    return;
  }
  if (transport_ && previous != nullptr && outbound::same_transport_settings(*previous, c)) return;
  auto t = outbound::QueueTransport::start(c);
  if (!t.ok()) {
    logging::error("outbound: cannot start remote delivery: " + t.status().to_string() +
                   (transport_ ? " (the previous settings stay)" : "; remote mail stays queued"));
    return;
  }
  std::shared_ptr<outbound::QueueTransport> old = std::move(transport_);
  transport_ = std::move(t).value();
  queue_->set_transport(transport_);
  if (old) old->shutdown();  // what it had in flight is retried by the new one
  std::string route = c.outbound.smarthost ? "smarthost " + c.outbound.smarthost->host + ":" +
                                                 std::to_string(c.outbound.smarthost->port)
                                           : "MX";
  logging::notice(
      "outbound: remote delivery via " + route + ", " +
      std::to_string(c.outbound.connections_per_domain) + " connection(s) per domain" +
      (c.outbound.domain_smarthosts.empty()
           ? ""
           : ", " + std::to_string(c.outbound.domain_smarthosts.size()) + " per-domain relay(s)"));
}

void Daemon::stop_outbound() {
  if (!transport_) return;
  queue_->set_transport(nullptr);
  transport_->shutdown();
  transport_.reset();
}

Status Daemon::start_metrics(const config::Config& c) {
  if (!c.metrics.enabled) return Status::Ok();
  StreamServer::Options o;
  o.max_clients = 16;
  o.max_buffer = metrics::kMaxHttpHeadBytes;
  o.idle_timeout = std::chrono::seconds(10);
  auto s = StreamServer::listen_tcp(&loop_, c.metrics.address, c.metrics.port, o,
                                    [this](std::string& buffer, std::string& reply) {
                                      metrics::HttpParse p = metrics::parse_http_request(buffer);
                                      if (p.kind == metrics::HttpParse::Kind::kNeedMore)
                                        return StreamServer::Action::kKeep;
                                      reply = metrics::http_response(
                                          p, [this] { return metrics_text(); });
                                      buffer.clear();
                                      return StreamServer::Action::kClose;
                                    });
  if (!s.ok()) return s.status();
  metrics_ = std::move(s).value();
  return Status::Ok();
}

Status Daemon::start_control(const config::Config& c) {
  std::string path = control_socket_path(c);
  if (Status s = make_dir(std::filesystem::path(path).parent_path().string()); !s.ok()) return s;
  StreamServer::Options o;
  o.max_clients = 16;
  o.max_buffer = control::kMaxRequestLine + 2;
  o.idle_timeout = std::chrono::seconds(60);
  auto s = StreamServer::listen_unix(&loop_, path, 0600, o,
                                     [this](std::string& buffer, std::string& reply) {
                                       std::size_t nl;
                                       while ((nl = buffer.find('\n')) != std::string::npos) {
                                         std::string line = buffer.substr(0, nl);
                                         buffer.erase(0, nl + 1);
                                         reply += control::handle_request(line, *this);
                                         if (stopping_) return StreamServer::Action::kClose;
                                       }
                                       if (buffer.size() > control::kMaxRequestLine) {
                                         reply += control::error_response("request line too long");
                                         return StreamServer::Action::kClose;
                                       }
                                       return StreamServer::Action::kKeep;
                                     });
  if (!s.ok()) return s.status();
  control_ = std::move(s).value();
  return Status::Ok();
}

void Daemon::watch(const config::Config& c) {
  if (watcher_) watcher_->close();
  std::vector<std::string> files = c.files;
  files.push_back(c.main_file);
  if (has_certificate(c)) {
    files.push_back(c.tls.cert_file);
    files.push_back(c.tls.key_file);
  }
  for (const config::SniCertificate& s : c.tls.sni) {
    files.push_back(s.cert_file);
    files.push_back(s.key_file);
  }
  std::vector<std::string> yaml_dirs;
  if (!c.domains_dir.empty()) yaml_dirs.push_back(c.domains_dir);
  watcher_ = ConfigWatcher::start(&loop_, files, yaml_dirs, kReloadDebounce,
                                  [this] { reload_from("file change"); });
}

void Daemon::handle_signals() {
  struct Entry {
    int signum;
    const char* name;
  };
  for (Entry e : {Entry{SIGHUP, "SIGHUP"}, Entry{SIGTERM, "SIGTERM"}, Entry{SIGINT, "SIGINT"}}) {
    auto* h = new uv_signal_t;
    uv_signal_init(&loop_, h);
    h->data = this;
    auto cb = [](uv_signal_t* handle, int signum) {
      auto* self = static_cast<Daemon*>(handle->data);
      if (self == nullptr) return;
      if (signum == SIGHUP) {
        self->reload_from("SIGHUP");
      } else {
        self->shutdown(signum == SIGTERM ? "SIGTERM" : "SIGINT");
      }
    };
    uv_signal_start(h, cb, e.signum);
    signals_.push_back(h);
  }
}

control::ReloadOutcome Daemon::reload_from(const std::string& reason) {
  control::ReloadOutcome out;
  if (stopping_) {
    out.errors.push_back("tegamid is shutting down");
    return out;
  }
  notify_systemd("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec());
  logging::notice("config: reloading " + options_.config_path + " (" + reason + ")");
  config::LoadResult loaded = config::load_config(options_.config_path);
  for (const config::Diagnostic& d : loaded.warnings) {
    out.warnings.push_back(d.to_string());
    logging::warning("config: warning: " + d.to_string());
  }
  auto fail = [&](const std::vector<std::string>& errors) {
    for (const std::string& e : errors) {
      out.errors.push_back(e);
      logging::error("config: " + e);
    }
    logging::error("config: reload failed; the running configuration is kept");
    metrics::process_counters().config_reload(false);
    notify_systemd("READY=1\nSTATUS=serving (last reload failed)");
    return out;
  };
  if (!loaded.ok()) {
    std::vector<std::string> errors;
    for (const config::Diagnostic& d : loaded.errors) errors.push_back(d.to_string());
    return fail(errors);
  }
  std::shared_ptr<const config::Config> next = loaded.config;
  auto certs = load_certificates(*next);
  if (!certs.ok()) return fail({"tls: " + certs.status().to_string()});

  std::shared_ptr<const config::Config> previous = store_.get();
  if (std::string diff = listener_difference(*previous, *next); !diff.empty()) {
    logging::warning("config: " + diff +
                     ": listeners, timeouts and worker loops change at the next restart; the "
                     "rest is applied now");
  }
  if (control_socket_path(*previous) != control_socket_path(*next) ||
      previous->metrics.enabled != next->metrics.enabled ||
      previous->metrics.address != next->metrics.address ||
      previous->metrics.port != next->metrics.port) {
    logging::warning("config: metrics/control socket changes take effect at the next restart");
  }
  for (const std::string& dir : {next->server.mail_root, next->server.queue_dir}) {
    if (Status s = make_dir(dir); !s.ok()) logging::error("config: " + s.to_string());
  }
  tls_->set(*certs);
  if (server_) server_->set_limits(net_limits(*next));  // connection limits apply live
  store_.set(next);
  login::process_login_service().configure(*next);
  configure_outbound(previous.get(), *next);
  watch(*next);
  out.ok = true;
  metrics::process_counters().config_reload(true);
  logging::notice("config: reloaded (" + reason + "): " + std::to_string(next->domains.size()) +
                  " domain(s), " + std::to_string(next->tls.sni.size()) + " SNI certificate(s)");
  notify_systemd("READY=1\nSTATUS=serving");
  return out;
}

void Daemon::shutdown(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  notify_systemd("STOPPING=1");
  std::chrono::milliseconds drain = options_.drain_timeout.value_or(
      std::chrono::duration_cast<std::chrono::milliseconds>(store_.get()->server.drain_timeout));
  auto drain_s = std::to_string(drain.count() / 1000.0);
  drain_s.erase(drain_s.find_last_not_of('0') + 1);
  if (!drain_s.empty() && drain_s.back() == '.') drain_s.pop_back();
  logging::notice(std::string("tegamid: ") + why + ": stopping; sessions have " + drain_s +
                  " s to finish");
  if (watcher_) watcher_->close();
  if (metrics_) metrics_->close();
  if (control_) control_->close();
  for (uv_signal_t* h : signals_) {
    h->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(h),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_signal_t*>(handle); });
  }
  signals_.clear();
  // Before the workers stop: the delivery thread answers what it has in flight, and those
  // outcomes are recorded on worker 0.
  stop_outbound();
  if (server_) {
    // Blocks this (administrative) thread until the workers are done; the listeners close
    // at once, so no new session starts.
    server_->stop(drain);
  }
  // Every delivery has finished: the last checkpoint makes their files durable and removes
  // the journal segments.
  if (journal_) journal_->close();
  logging::notice("tegamid: stopped");
}

std::string Daemon::metrics_text() const {
  metrics::Values v = metrics::process_counters().snapshot();
  if (server_) {
    for (const net::ProtocolStats& p : server_->stats().protocols) {
      auto proto = metrics::protocol_from_name(p.protocol);
      if (!proto) continue;
      metrics::ProtocolValues& pv = v.by_protocol[static_cast<std::size_t>(*proto)];
      auto active = p.active.load(std::memory_order_relaxed);
      pv.connections_current = active > 0 ? static_cast<std::uint64_t>(active) : 0;
      pv.connections_total = p.accepted.load(std::memory_order_relaxed);
      pv.connections_refused = p.refused.load(std::memory_order_relaxed);
      pv.bytes_in = p.bytes_in.load(std::memory_order_relaxed);
      pv.bytes_out = p.bytes_out.load(std::memory_order_relaxed);
    }
  }
  return metrics::render(metrics::families(v));
}
}  // namespace

std::string resolve_config_path(const char* flag) {
  if (flag != nullptr) return flag;
  if (const char* env = std::getenv("TEGAMI_CONFIG"); env != nullptr && *env != '\0') return env;
  if (::access("conf/tegami.yaml", F_OK) == 0) return "conf/tegami.yaml";
  return "/etc/tegami/tegami.yaml";
}

int run(const Options& options) {
  // Writes to a closed socket must fail with EPIPE, not kill the daemon.
  ::signal(SIGPIPE, SIG_IGN);
  logging::Options log = logging::options();
  log.priority_prefix = std::getenv("JOURNAL_STREAM") != nullptr;  // stderr is the journal
  logging::configure(log);
  Daemon daemon(options);
  int rc = daemon.start();
  if (rc != 0) return rc;
  daemon.run();
  return 0;
}

}  // namespace tegami::daemon
