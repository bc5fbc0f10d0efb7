// A table keyed by client address with a fixed maximum size: when full, inserting a new address
// evicts the least recently touched one, so memory stays bounded whatever a botnet sends.
// Used by FailureDelay and PopBeforeSmtp. Keys are the textual address the network layer
// produces (e.g. "192.0.2.7", "2001:db8::1"); the caller canonicalises them.
//
// Thread safety: none; the owners lock around it.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace tegami_auth {

template <class Value>
class IpTable {
 public:
  // REQUIRES: capacity >= 1.
  explicit IpTable(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // The entry for `ip`, marked most recently used; nullptr when absent.
  Value* find(std::string_view ip) {
    auto it = index_.find(std::string(ip));
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }

  // The entry for `ip` without changing the order; nullptr when absent.
  Value* peek(std::string_view ip) {
    auto it = index_.find(std::string(ip));
    return it == index_.end() ? nullptr : &it->second->second;
  }

  // The entry for `ip`, created with Value{} (evicting the least recently used entry when
  // full) if absent; marked most recently used.
  Value& touch(std::string_view ip) {
    if (Value* v = find(ip)) return *v;
    if (order_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    order_.emplace_front(std::string(ip), Value{});
    index_.emplace(order_.front().first, order_.begin());
    return order_.front().second;
  }

  void erase(std::string_view ip) {
    auto it = index_.find(std::string(ip));
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }

  // Removes entries from the least recently used end while `dead(value)` holds; stops at the
  // first live one (cheap amortised cleanup when touch order matches time order).
  template <class Pred>
  void prune_oldest(Pred dead) {
    while (!order_.empty() && dead(order_.back().second)) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  size_t size() const { return order_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<std::string, Value>;
  size_t capacity_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};

}  // namespace tegami_auth
