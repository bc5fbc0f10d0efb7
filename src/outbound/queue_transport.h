// The queue manager's RemoteTransport (queue/transport.h) on top of RemoteDelivery: turns a
// DeliveryJob into a DeliveryRequest and each RecipientOutcome into an Outcome. The settings
// come from the config's `outbound` section (settings_from_config); the daemon makes a new
// QueueTransport when a reload changes them.
//
// Threading: deliver() from any thread (the manager's loop); `done` runs on the delivery
// thread. shutdown() (any thread but the delivery thread) stops the delivery thread: what is
// in flight is answered "deferred" and later deliver() calls are answered at once the same way.
#pragma once

#include <memory>
#include <mutex>

#include "config/config.h"
#include "outbound/delivery.h"
#include "queue/transport.h"

namespace tegami::outbound {

// The RemoteDelivery settings the config asks for.
DeliverySettings settings_from_config(const config::Config& config);
// True when a reload from `a` to `b` leaves the transport's settings as they are (the retry
// schedule is read per decision and does not count).
bool same_transport_settings(const config::Config& a, const config::Config& b);

class QueueTransport final : public tegami_queue::RemoteTransport {
 public:
  // Errors from RemoteDelivery::start (kInvalidArgument: bad DNS server list).
  static maildir::Result<std::shared_ptr<QueueTransport>> start(const config::Config& config);
  ~QueueTransport() override;

  void deliver(const tegami_queue::DeliveryJob& job,
               std::function<void(std::vector<tegami_queue::Outcome>)> done) override;
  void shutdown();

 private:
  explicit QueueTransport(std::unique_ptr<RemoteDelivery> delivery)
      : delivery_(std::move(delivery)) {}
  std::mutex mu_;
  std::shared_ptr<RemoteDelivery> delivery_;  // guarded by mu_; null after shutdown()
};

}  // namespace tegami::outbound
