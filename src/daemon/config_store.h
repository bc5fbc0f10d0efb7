// The current configuration snapshot, swapped atomically on reload.
//
// Sessions take the snapshot once when they start (get()) and keep it: a reload changes what
// new sessions see and never what a running one is using. Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "config/config.h"

namespace tegami::daemon {

class ConfigStore {
 public:
  std::shared_ptr<const config::Config> get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void set(std::shared_ptr<const config::Config> config) {
    std::lock_guard lock(mu_);
    current_.swap(config);
    // the old snapshot is released outside the lock (after `config` goes out of scope)
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const config::Config> current_;
};

}  // namespace tegami::daemon
