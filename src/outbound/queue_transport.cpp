#include "outbound/queue_transport.h"

#include <algorithm>

namespace tegami::outbound {
namespace {

Smarthost smarthost_of(const config::RelayHost& r) {
  Smarthost s;
  s.host = r.host;
  s.port = r.port;
  s.tls = r.tls == config::TlsMode::kImplicit   ? Smarthost::Tls::kImplicit
          : r.tls == config::TlsMode::kStartTls ? Smarthost::Tls::kStartTls
                                                : Smarthost::Tls::kNone;
  s.user = r.user;
  s.password = r.password;
  return s;
}

tegami_queue::Outcome outcome_of(const RecipientOutcome& o) {
  tegami_queue::Outcome out;
  out.kind = o.kind == RecipientOutcome::Kind::kDelivered ? tegami_queue::Outcome::Kind::kDelivered
             : o.kind == RecipientOutcome::Kind::kBounced ? tegami_queue::Outcome::Kind::kBounced
                                                          : tegami_queue::Outcome::Kind::kDeferred;
  out.reply = o.reply;
  out.remote_mta = o.remote_mta;
  out.dsn_passed = o.dsn_passed;
  return out;
}

// RFC 3461 §4.1: NOTIFY=NEVER, or a comma list; "" when the sender gave none.
std::string notify_param(const tegami_queue::Recipient& r) {
  if (!r.has_notify) return "";
  if (r.notify == 0) return "NEVER";
  std::string out;
  auto add = [&](unsigned bit, const char* name) {
    if ((r.notify & bit) == 0) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  add(tegami_smtp::kNotifySuccess, "SUCCESS");
  add(tegami_smtp::kNotifyFailure, "FAILURE");
  add(tegami_smtp::kNotifyDelay, "DELAY");
  return out;
}

std::vector<tegami_queue::Outcome> all_deferred(std::size_t n, const std::string& why) {
  return std::vector<tegami_queue::Outcome>(
      n, tegami_queue::Outcome{tegami_queue::Outcome::Kind::kDeferred, why, ""});
}

}  // namespace

DeliverySettings settings_from_config(const config::Config& config) {
  const config::OutboundConfig& o = config.outbound;
  DeliverySettings s;
  s.helo_name = o.helo_name.empty() ? config.server.hostname : o.helo_name;
  s.mx_port = o.mx_port;
  s.dns_servers = o.dns_servers;
  s.connections_per_domain = o.connections_per_domain;
  s.timeouts.connect = o.connect_timeout;
  s.timeouts.greeting = o.command_timeout;
  s.timeouts.command = o.command_timeout;
  s.timeouts.mail = o.command_timeout;
  s.timeouts.rcpt = o.command_timeout;
  // RFC 5321 §4.5.3.2: DATA 2 min and blocks 3 min against 5 min for commands; keep the ratio.
  s.timeouts.data_init = std::max(o.command_timeout * 2 / 5, std::chrono::milliseconds(1));
  s.timeouts.data_block = std::max(o.command_timeout * 3 / 5, std::chrono::milliseconds(1));
  s.timeouts.data_end = o.data_timeout;
  s.dns_timeout = std::min(o.command_timeout, std::chrono::milliseconds(5000));
  if (o.smarthost) s.smarthost = smarthost_of(*o.smarthost);
  for (const config::RelayHost& r : o.domain_smarthosts)
    s.sender_smarthosts[r.domain] = smarthost_of(r);
  return s;
}

bool same_transport_settings(const config::Config& a, const config::Config& b) {
  auto strip = [](config::OutboundConfig o) {
    o.retry_first = o.retry_max = o.delay_notice = o.expire = std::chrono::seconds(0);
    return o;
  };
  return a.server.hostname == b.server.hostname && strip(a.outbound) == strip(b.outbound);
}

maildir::Result<std::shared_ptr<QueueTransport>> QueueTransport::start(
    const config::Config& config) {
  auto d = RemoteDelivery::start(settings_from_config(config));
  if (!d.ok()) return d.status();
  return std::shared_ptr<QueueTransport>(new QueueTransport(std::move(d).value()));
}

QueueTransport::~QueueTransport() {
  shutdown();
}

void QueueTransport::shutdown() {
  std::shared_ptr<RemoteDelivery> d;
  {
    std::lock_guard lock(mu_);
    d.swap(delivery_);
  }
  d.reset();  // joins the delivery thread; in-flight work is answered "deferred"
}

void QueueTransport::deliver(const tegami_queue::DeliveryJob& job,
                             std::function<void(std::vector<tegami_queue::Outcome>)> done) {
  std::shared_ptr<RemoteDelivery> d;
  {
    std::lock_guard lock(mu_);
    d = delivery_;
  }
  if (!d) {
    done(all_deferred(job.recipients.size(), "451 4.3.0 remote delivery is shutting down"));
    return;
  }
  DeliveryRequest r;
  r.mail_from = job.envelope.sender;
  r.domain = job.domain;
  for (const tegami_queue::Recipient& rc : job.recipients) {
    r.recipients.push_back(rc.address);
    r.dsn.push_back(RecipientDsn{notify_param(rc), rc.orcpt});
  }
  r.ret = job.envelope.ret == tegami_smtp::Ret::kFull   ? "FULL"
          : job.envelope.ret == tegami_smtp::Ret::kHdrs ? "HDRS"
                                                        : "";
  r.envid = job.envelope.envid;
  r.smtputf8 = job.envelope.smtputf8;
  r.message_path = job.message_path;
  r.message_offset = job.message_offset;
  r.message_size = job.message_size;
  d->deliver(std::move(r), [done = std::move(done)](std::vector<RecipientOutcome> outcomes) {
    std::vector<tegami_queue::Outcome> out;
    out.reserve(outcomes.size());
    for (const RecipientOutcome& o : outcomes) out.push_back(outcome_of(o));
    done(std::move(out));
  });
}

}  // namespace tegami::outbound
