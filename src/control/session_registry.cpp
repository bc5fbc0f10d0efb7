#include "control/session_registry.h"

#include <strings.h>

#include <algorithm>
#include <utility>

namespace tegami::control {

SessionRegistry::Handle::Handle(Handle&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), id_(std::exchange(other.id_, 0)) {}

SessionRegistry::Handle& SessionRegistry::Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void SessionRegistry::Handle::set_user(std::string user) {
  if (registry_ == nullptr) return;
  registry_->update(id_, [&](SessionInfo& info) { info.user = std::move(user); });
}

void SessionRegistry::Handle::set_tls(bool tls) {
  if (registry_ == nullptr) return;
  registry_->update(id_, [&](SessionInfo& info) { info.tls = tls; });
}

void SessionRegistry::Handle::reset() {
  if (registry_ == nullptr) return;
  registry_->remove(id_);
  registry_ = nullptr;
  id_ = 0;
}

SessionRegistry::Handle SessionRegistry::add(SessionInfo info, KickFn kick) {
  if (info.since == std::chrono::system_clock::time_point{}) {
    info.since = std::chrono::system_clock::now();
  }
  std::lock_guard lock(mu_);
  if (info.id == 0) info.id = next_id_++;
  std::uint64_t id = info.id;
  entries_.emplace(id, Entry{std::move(info), std::move(kick)});
  return Handle(this, id);
}

bool SessionRegistry::set_user(std::uint64_t id, std::string user) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  it->second.info.user = std::move(user);
  return true;
}

std::vector<SessionInfo> SessionRegistry::list() const {
  std::lock_guard lock(mu_);
  std::vector<SessionInfo> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) out.push_back(entry.info);
  std::stable_sort(out.begin(), out.end(),
                   [](const SessionInfo& a, const SessionInfo& b) { return a.since < b.since; });
  return out;
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::size_t SessionRegistry::kick(std::string_view user) {
  if (user.empty()) return 0;
  std::vector<KickFn> to_call;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, entry] : entries_) {
      const std::string& u = entry.info.user;
      if (u.size() == user.size() && strncasecmp(u.data(), user.data(), u.size()) == 0) {
        to_call.push_back(entry.kick);
      }
    }
  }
  for (const KickFn& fn : to_call) {
    if (fn) fn();
  }
  return to_call.size();
}

void SessionRegistry::remove(std::uint64_t id) {
  KickFn dropped;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  dropped = std::move(it->second.kick);
  entries_.erase(it);
}

void SessionRegistry::update(std::uint64_t id, const std::function<void(SessionInfo&)>& change) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) change(it->second.info);
}

SessionRegistry& process_sessions() {
  static SessionRegistry* registry = new SessionRegistry();
  return *registry;
}

}  // namespace tegami::control
