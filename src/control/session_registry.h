// The sessions open in this process, for `tegami who` and `tegami kick <user>`.
//
// A connection adds itself when it opens and keeps the returned Handle; dropping the Handle
// removes the entry. A protocol layer calls Handle::set_user() after a successful login.
// kick(user) calls the kick function of every session of that user; the function must be safe
// to call from any thread (typically it posts "close" to the session's own loop) and must not
// call back into the registry synchronously.
//
// Thread safety: every method may be called from any thread. A Handle is used by the thread
// that owns its connection; it must not outlive its registry.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tegami::control {

struct SessionInfo {
  std::uint64_t id = 0;  // assigned by add(); unique within the process
  std::string protocol;  // "smtp", "submission", "pop3", "imap"
  std::string listener;  // the listener's name from the config, e.g. "imaps"
  std::string user;      // login name once authenticated; empty before
  std::string client;    // real client address after PROXY, "192.0.2.1:50000"
  bool tls = false;      // TLS active (implicit or after STARTTLS)
  std::chrono::system_clock::time_point since;  // when the connection was accepted
};

class SessionRegistry {
 public:
  using KickFn = std::function<void()>;

  class Handle {
   public:
    Handle() = default;
    Handle(Handle&& other) noexcept;
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }

    std::uint64_t id() const { return id_; }
    bool registered() const { return registry_ != nullptr; }
    void set_user(std::string user);
    void set_tls(bool tls);
    void reset();  // removes the entry now (idempotent)

   private:
    friend class SessionRegistry;
    Handle(SessionRegistry* registry, std::uint64_t id) : registry_(registry), id_(id) {}
    SessionRegistry* registry_ = nullptr;
    std::uint64_t id_ = 0;
  };

  SessionRegistry() = default;
  SessionRegistry(const SessionRegistry&) = delete;
  SessionRegistry& operator=(const SessionRegistry&) = delete;

  // Adds `info`. A zero id gets a fresh one (from a range above 2^48, apart from connection
  // ids); `since` is set to now when left default. REQUIRES: a non-zero id is not registered.
  Handle add(SessionInfo info, KickFn kick);
  // For the protocol layers, which know their connection's id but not its Handle: records the
  // login name of session `id` (after a successful login). False when no such session.
  bool set_user(std::uint64_t id, std::string user);
  // All sessions, oldest first.
  std::vector<SessionInfo> list() const;
  std::size_t size() const;
  // Calls the kick function of every session whose user equals `user` (ASCII
  // case-insensitive; an empty `user` matches nothing). Returns how many were kicked. The
  // functions run on the calling thread, outside the registry's lock.
  std::size_t kick(std::string_view user);

 private:
  struct Entry {
    SessionInfo info;
    KickFn kick;
  };
  void remove(std::uint64_t id);
  void update(std::uint64_t id, const std::function<void(SessionInfo&)>& change);
  mutable std::mutex mu_;
  std::uint64_t next_id_ = std::uint64_t{1} << 48;
  std::map<std::uint64_t, Entry> entries_;
};

// The running daemon's registry (constructed on first use; never destroyed before exit).
SessionRegistry& process_sessions();

}  // namespace tegami::control
