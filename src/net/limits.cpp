#include "net/limits.h"

namespace net {

KeyedLimiter::Slot::Slot(Slot&& other) noexcept
    : owner_(other.owner_), key_(std::move(other.key_)) {
  other.owner_ = nullptr;
}

KeyedLimiter::Slot& KeyedLimiter::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    key_ = std::move(other.key_);
    other.owner_ = nullptr;
  }
  return *this;
}

void KeyedLimiter::Slot::release() {
  if (owner_ != nullptr) owner_->release_key(key_);
  owner_ = nullptr;
}

std::optional<KeyedLimiter::Slot> KeyedLimiter::try_acquire(std::string_view key, uint32_t max) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = counts_.try_emplace(std::string(key), 0);
  if (max != 0 && it->second >= max) {
    if (it->second == 0) counts_.erase(it);
    return std::nullopt;
  }
  ++it->second;
  return Slot(this, it->first);
}

uint32_t KeyedLimiter::count(std::string_view key) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(std::string(key));
  return it == counts_.end() ? 0 : it->second;
}

void KeyedLimiter::release_key(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

const ProtocolStats* NetStats::find(std::string_view protocol) const {
  for (const auto& p : protocols) {
    if (p.protocol == protocol) return &p;
  }
  return nullptr;
}

}  // namespace net
