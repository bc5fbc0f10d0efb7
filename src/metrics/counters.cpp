#include "metrics/counters.h"

#include <time.h>

namespace tegami::metrics {

namespace {
constexpr std::array<std::string_view, kProtocolCount> kProtocolNames = {"smtp", "submission",
                                                                         "pop3", "imap"};
constexpr auto kRelaxed = std::memory_order_relaxed;

std::size_t index(Protocol p) {
  return static_cast<std::size_t>(p);
}
}  // namespace

std::string_view protocol_name(Protocol p) {
  return kProtocolNames[index(p)];
}

std::optional<Protocol> protocol_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kProtocolCount; ++i) {
    if (kProtocolNames[i] == name) return static_cast<Protocol>(i);
  }
  return std::nullopt;
}

std::vector<Family> families(const Values& v) {
  auto per_protocol = [&](std::string name, std::string help, Type type,
                          std::uint64_t ProtocolValues::*field) {
    Family f{std::move(name), std::move(help), type, {}};
    for (std::size_t i = 0; i < kProtocolCount; ++i) {
      f.samples.push_back(
          {{{"protocol", std::string(kProtocolNames[i])}}, v.by_protocol[i].*field});
    }
    return f;
  };
  std::vector<Family> out;
  out.push_back(per_protocol("tegami_connections_current", "Connections open now.", Type::kGauge,
                             &ProtocolValues::connections_current));
  out.push_back(per_protocol("tegami_connections_total", "Connections accepted since start.",
                             Type::kCounter, &ProtocolValues::connections_total));
  out.push_back(per_protocol("tegami_connections_refused_total",
                             "Connections refused because a connection limit was reached.",
                             Type::kCounter, &ProtocolValues::connections_refused));
  out.push_back(per_protocol("tegami_bytes_received_total", "Bytes read from clients.",
                             Type::kCounter, &ProtocolValues::bytes_in));
  out.push_back(per_protocol("tegami_bytes_sent_total", "Bytes written to clients.", Type::kCounter,
                             &ProtocolValues::bytes_out));
  Family logins{"tegami_logins_total", "Login attempts by result.", Type::kCounter, {}};
  for (std::size_t i = 0; i < kProtocolCount; ++i) {
    std::string p(kProtocolNames[i]);
    logins.samples.push_back({{{"protocol", p}, {"result", "ok"}}, v.by_protocol[i].logins_ok});
    logins.samples.push_back(
        {{{"protocol", p}, {"result", "failed"}}, v.by_protocol[i].logins_failed});
  }
  out.push_back(std::move(logins));
  out.push_back({"tegami_messages_received_total",
                 "Messages accepted over SMTP.",
                 Type::kCounter,
                 {{{}, v.messages_received}}});
  out.push_back({"tegami_messages_delivered_total",
                 "Messages stored in a mailbox or handed to a remote server.",
                 Type::kCounter,
                 {{{}, v.messages_delivered}}});
  out.push_back({"tegami_messages_bounced_total",
                 "Delivery status notifications generated.",
                 Type::kCounter,
                 {{{}, v.messages_bounced}}});
  out.push_back({"tegami_smtp_rejected_total",
                 "SMTP refusals: early talkers, refused recipients, messages refused after DATA.",
                 Type::kCounter,
                 {{{{"stage", "connect"}}, v.smtp_rejected_connect},
                  {{{"stage", "rcpt"}}, v.smtp_rejected_rcpt},
                  {{{"stage", "data"}}, v.smtp_rejected_data}}});
  out.push_back({"tegami_queue_length",
                 "Messages waiting in the outgoing queue.",
                 Type::kGauge,
                 {{{}, v.queue_length}}});
  out.push_back({"tegami_queue_oldest_age_seconds",
                 "Seconds the oldest message in the outgoing queue has waited (0 when empty).",
                 Type::kGauge,
                 {{{}, v.queue_oldest_age}}});
  out.push_back({"tegami_queue_deliveries_total",
                 "Delivery attempts of queued mail, per recipient, by result.",
                 Type::kCounter,
                 {{{{"result", "delivered"}}, v.queue_delivered},
                  {{{"result", "deferred"}}, v.queue_deferred},
                  {{{"result", "bounced"}}, v.queue_bounced}}});
  out.push_back({"tegami_config_reloads_total",
                 "Configuration reloads by result.",
                 Type::kCounter,
                 {{{{"result", "ok"}}, v.config_reloads_ok},
                  {{{"result", "failed"}}, v.config_reloads_failed}}});
  return out;
}

void Counters::login(Protocol p, bool ok) {
  (ok ? by_protocol_[index(p)].logins_ok : by_protocol_[index(p)].logins_failed)
      .fetch_add(1, kRelaxed);
}

void Counters::queue_result(QueueResult r, std::uint64_t n) {
  if (n == 0) return;
  (r == QueueResult::kDelivered  ? queue_delivered_
   : r == QueueResult::kDeferred ? queue_deferred_
                                 : queue_bounced_)
      .fetch_add(n, kRelaxed);
}

void Counters::config_reload(bool ok) {
  (ok ? config_reloads_ok_ : config_reloads_failed_).fetch_add(1, kRelaxed);
}

Values Counters::snapshot() const {
  Values v;
  for (std::size_t i = 0; i < kProtocolCount; ++i) {
    const PerProtocol& p = by_protocol_[i];
    v.by_protocol[i].logins_ok = p.logins_ok.load(kRelaxed);
    v.by_protocol[i].logins_failed = p.logins_failed.load(kRelaxed);
  }
  v.messages_received = messages_received_.load(kRelaxed);
  v.messages_delivered = messages_delivered_.load(kRelaxed);
  v.messages_bounced = messages_bounced_.load(kRelaxed);
  v.smtp_rejected_connect = smtp_rejected_connect_.load(kRelaxed);
  v.smtp_rejected_rcpt = smtp_rejected_rcpt_.load(kRelaxed);
  v.smtp_rejected_data = smtp_rejected_data_.load(kRelaxed);
  v.queue_length = queue_length_.load(kRelaxed);
  std::int64_t oldest = queue_oldest_arrival_.load(kRelaxed);
  std::int64_t now = static_cast<std::int64_t>(::time(nullptr));
  v.queue_oldest_age = oldest > 0 && now > oldest ? static_cast<std::uint64_t>(now - oldest) : 0;
  v.queue_delivered = queue_delivered_.load(kRelaxed);
  v.queue_deferred = queue_deferred_.load(kRelaxed);
  v.queue_bounced = queue_bounced_.load(kRelaxed);
  v.config_reloads_ok = config_reloads_ok_.load(kRelaxed);
  v.config_reloads_failed = config_reloads_failed_.load(kRelaxed);
  return v;
}

Counters& process_counters() {
  static Counters* counters = new Counters();  // never destroyed: threads may outlive main
  return *counters;
}

}  // namespace tegami::metrics
