// The daemon's counters: what the metrics endpoint reports.
//
// Connections and bytes per protocol are counted by the network layer (net::NetStats); the
// daemon copies them into Values when it renders. Everything else is counted here: Counters
// holds relaxed atomics that any thread may bump (protocol sessions on worker loops,
// delivery threads, the queue); snapshot() copies them into plain Values, and families() turns
// Values into Prometheus families (see prometheus.h). Counters only ever grow; gauges
// (connections current, queue length) go up and down.
//
// process_counters() is the one instance of the running daemon: a protocol layer that logs a
// user in calls `process_counters().login(Protocol::kImap, true)`; the queue calls
// `set_queue_length(n)` whenever its length changes. Unit tests make their own Counters.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "metrics/prometheus.h"

namespace tegami::metrics {

enum class Protocol { kSmtp = 0, kSubmission, kPop3, kImap };
inline constexpr std::size_t kProtocolCount = 4;

// "smtp", "submission", "pop3", "imap" (the config's listener protocol names).
std::string_view protocol_name(Protocol p);
// The inverse of protocol_name; nullopt for anything else.
std::optional<Protocol> protocol_from_name(std::string_view name);

struct ProtocolValues {
  // From net::NetStats (filled by the daemon).
  std::uint64_t connections_current = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;  // closed at once: a connection limit was reached
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  // From Counters.
  std::uint64_t logins_ok = 0;
  std::uint64_t logins_failed = 0;
};

struct Values {
  std::array<ProtocolValues, kProtocolCount> by_protocol{};
  std::uint64_t messages_received = 0;   // accepted by SMTP/submission (250 after DATA)
  std::uint64_t messages_delivered = 0;  // stored into a mailbox or handed to a remote MX
  std::uint64_t messages_bounced = 0;    // DSNs generated
  // SMTP refusals by stage: connect (early talker), rcpt (a refused RCPT TO), data (a
  // message refused at the end of DATA: size, loop, bare CR/LF, every recipient failed).
  std::uint64_t smtp_rejected_connect = 0;
  std::uint64_t smtp_rejected_rcpt = 0;
  std::uint64_t smtp_rejected_data = 0;
  std::uint64_t queue_length = 0;        // messages waiting in the outgoing queue
  std::uint64_t queue_oldest_age = 0;    // seconds the oldest queued message has waited; 0 = empty
  // Per-recipient outcomes of the queue manager's attempts (local and remote).
  std::uint64_t queue_delivered = 0;
  std::uint64_t queue_deferred = 0;
  std::uint64_t queue_bounced = 0;
  std::uint64_t config_reloads_ok = 0;
  std::uint64_t config_reloads_failed = 0;
};

// The Prometheus families for `v`, names prefixed "tegami_": connections_current{protocol},
// connections_total{protocol}, connections_refused_total{protocol}, bytes_received_total{protocol},
// bytes_sent_total{protocol}, logins_total{protocol,result="ok|failed"}, messages_received_total,
// messages_delivered_total, messages_bounced_total, smtp_rejected_total{stage="connect|rcpt|data"},
// queue_length, queue_oldest_age_seconds, queue_deliveries_total{result="delivered|deferred|bounced"},
// config_reloads_total{result}.
std::vector<Family> families(const Values& v);

class Counters {
 public:
  Counters() = default;
  Counters(const Counters&) = delete;
  Counters& operator=(const Counters&) = delete;

  void login(Protocol p, bool ok);
  void message_received() { messages_received_.fetch_add(1, std::memory_order_relaxed); }
  void message_delivered() { messages_delivered_.fetch_add(1, std::memory_order_relaxed); }
  void message_bounced() { messages_bounced_.fetch_add(1, std::memory_order_relaxed); }
  enum class SmtpStage { kConnect, kRcpt, kData };
  void smtp_rejected(SmtpStage stage) {
    (stage == SmtpStage::kConnect ? smtp_rejected_connect_
     : stage == SmtpStage::kRcpt  ? smtp_rejected_rcpt_
                                  : smtp_rejected_data_)
        .fetch_add(1, std::memory_order_relaxed);
  }
  void set_queue_length(std::uint64_t n) { queue_length_.store(n, std::memory_order_relaxed); }
  // Arrival time (unix seconds) of the oldest queued message; 0 = the queue is empty.
  void set_queue_oldest_arrival(std::int64_t t) {
    queue_oldest_arrival_.store(t, std::memory_order_relaxed);
  }
  enum class QueueResult { kDelivered, kDeferred, kBounced };
  void queue_result(QueueResult r, std::uint64_t n = 1);
  void config_reload(bool ok);

  Values snapshot() const;

 private:
  struct PerProtocol {
    std::atomic<std::uint64_t> logins_ok{0};
    std::atomic<std::uint64_t> logins_failed{0};
  };
  std::array<PerProtocol, kProtocolCount> by_protocol_;
  std::atomic<std::uint64_t> messages_received_{0};
  std::atomic<std::uint64_t> messages_delivered_{0};
  std::atomic<std::uint64_t> messages_bounced_{0};
  std::atomic<std::uint64_t> smtp_rejected_connect_{0};
  std::atomic<std::uint64_t> smtp_rejected_rcpt_{0};
  std::atomic<std::uint64_t> smtp_rejected_data_{0};
  std::atomic<std::uint64_t> queue_length_{0};
  std::atomic<std::int64_t> queue_oldest_arrival_{0};
  std::atomic<std::uint64_t> queue_delivered_{0};
  std::atomic<std::uint64_t> queue_deferred_{0};
  std::atomic<std::uint64_t> queue_bounced_{0};
  std::atomic<std::uint64_t> config_reloads_ok_{0};
  std::atomic<std::uint64_t> config_reloads_failed_{0};
};

// The running daemon's counters (constructed on first use; never destroyed before exit).
Counters& process_counters();

}  // namespace tegami::metrics
