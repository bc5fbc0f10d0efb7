// ViewRegistry (view_registry.h): a map from folder directory to the weak reference of its
// current snapshot, and an LRU list of strong references bounded in bytes.
#include "maildir/view_registry.h"

namespace maildir {

ViewRegistry& ViewRegistry::instance() {
  static ViewRegistry* r = new ViewRegistry();  // never destroyed: used until exit
  return *r;
}

void ViewRegistry::drop_lru(Entry& e) {
  if (!e.in_lru) return;
  lru_bytes_ -= (*e.lru)->bytes();
  lru_.erase(e.lru);
  e.in_lru = false;
}

void ViewRegistry::touch(Entry& e, std::shared_ptr<const ViewSnapshot> snap) {
  if (e.in_lru && *e.lru == snap) {
    lru_.splice(lru_.begin(), lru_, e.lru);
    return;
  }
  drop_lru(e);
  if (budget_ == 0 || snap->bytes() > budget_) return;
  lru_bytes_ += snap->bytes();
  lru_.push_front(std::move(snap));
  e.lru = lru_.begin();
  e.in_lru = true;
  trim();
}

void ViewRegistry::trim() {
  while (lru_bytes_ > budget_ && !lru_.empty()) {
    auto it = entries_.find(lru_.back()->dir);
    if (it != entries_.end() && it->second.in_lru && it->second.lru == std::prev(lru_.end())) {
      drop_lru(it->second);
    } else {
      lru_bytes_ -= lru_.back()->bytes();
      lru_.pop_back();
    }
  }
}

std::shared_ptr<const ViewSnapshot> ViewRegistry::find(const std::string& dir) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = entries_.find(dir);
  if (it == entries_.end()) return nullptr;
  std::shared_ptr<const ViewSnapshot> snap = it->second.weak.lock();
  if (!snap) {
    drop_lru(it->second);
    entries_.erase(it);
    return nullptr;
  }
  touch(it->second, snap);
  return snap;
}

void ViewRegistry::publish(std::shared_ptr<const ViewSnapshot> snap) {
  if (!snap) return;
  std::lock_guard<std::mutex> g(mu_);
  // Prune entries whose snapshot died (bounded work: a pass when the map doubled).
  if (entries_.size() >= 64 && entries_.size() >= 2 * (lru_.size() + 32)) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.weak.expired() && !it->second.in_lru) {
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  Entry& e = entries_[snap->dir];
  e.weak = snap;
  touch(e, std::move(snap));
}

void ViewRegistry::set_budget_bytes(std::size_t bytes) {
  std::lock_guard<std::mutex> g(mu_);
  budget_ = bytes;
  trim();
}

ViewRegistry::Stats ViewRegistry::stats() {
  std::lock_guard<std::mutex> g(mu_);
  Stats s;
  for (auto& [dir, e] : entries_) {
    if (!e.weak.expired()) ++s.folders;
  }
  s.retained = lru_.size();
  s.retained_bytes = lru_bytes_;
  return s;
}

}  // namespace maildir
