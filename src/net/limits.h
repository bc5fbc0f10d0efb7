// Connection limits and network counters, shared by all worker threads.
//
// KeyedLimiter counts holders per key ("192.0.2.7", "imap:example.com") against a maximum
// given at each acquire; a Slot releases its count when destroyed. The per-IP connection limit
// uses one (keyed by the real client IP, after PROXY), and the protocol layers use another for
// per-domain limits after login: "may example.com have one more IMAP connection?". All methods
// are thread-safe; a Slot may be destroyed on any thread but must not outlive its limiter.
//
// NetStats are plain atomics the daemon's metrics endpoint reads at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace net {

class KeyedLimiter {
 public:
  class Slot {
   public:
    Slot() = default;  // holds nothing
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }
    void release();
    bool held() const { return owner_ != nullptr; }

   private:
    friend class KeyedLimiter;
    Slot(KeyedLimiter* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    KeyedLimiter* owner_ = nullptr;
    std::string key_;
  };

  // A slot if fewer than `max` are held for `key`; nullopt when the limit is reached.
  // max == 0 means unlimited.
  std::optional<Slot> try_acquire(std::string_view key, uint32_t max);
  uint32_t count(std::string_view key) const;

 private:
  void release_key(const std::string& key);
  mutable std::mutex mu_;
  std::unordered_map<std::string, uint32_t> counts_;
};

// Server-wide limits (the daemon fills them from the config snapshot).
struct Limits {
  uint32_t max_connections = 10000;       // all listeners together; 0 = unlimited
  uint32_t max_connections_per_ip = 100;  // per real client IP; 0 = unlimited
  size_t input_buffer_cap = 64 * 1024;    // unconsumed input bytes kept per connection
  size_t output_high_water = 256 * 1024;  // stop reading while more output is queued
  // Beyond max_connections * 2 a connection is closed at once without a protocol answer, so a
  // flood cannot make us do TLS handshakes just to say "too many connections".
};

// Counters of one protocol ("imap", "pop3", "smtp", "submission", ...).
struct ProtocolStats {
  explicit ProtocolStats(std::string name) : protocol(std::move(name)) {}
  const std::string protocol;
  std::atomic<uint64_t> accepted{0};   // connections accepted (before limits)
  std::atomic<uint64_t> refused{0};    // closed because of a connection limit
  std::atomic<int64_t> active{0};      // open now
  std::atomic<uint64_t> bytes_in{0};   // from the socket (ciphertext under TLS)
  std::atomic<uint64_t> bytes_out{0};  // to the socket
  std::atomic<uint64_t> tls_handshakes_failed{0};
};

// All protocols; entries are created when the server starts and never removed, so references
// stay valid for the server's lifetime and reading needs no lock.
struct NetStats {
  std::deque<ProtocolStats> protocols;
  std::atomic<int64_t> active_total{0};
  // The entry for `protocol`, or nullptr.
  const ProtocolStats* find(std::string_view protocol) const;
};

}  // namespace net
