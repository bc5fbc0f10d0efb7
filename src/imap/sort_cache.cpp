#include "imap/sort_cache.h"

#include <algorithm>

namespace imap {

const std::string* SortKeyCache::find_result(std::string_view request, std::uint32_t uid_validity,
                                             const std::vector<std::uint64_t>& matched) {
  for (size_t i = results_.size(); i-- > 0;) {
    const Result& r = results_[i];
    if (r.request != request || r.uid_validity != uid_validity || *r.matched != matched) continue;
    // Most recently used last: a client alternating two sorts keeps both.
    std::rotate(results_.begin() + static_cast<std::ptrdiff_t>(i),
                results_.begin() + static_cast<std::ptrdiff_t>(i) + 1, results_.end());
    return &results_.back().answer;
  }
  return nullptr;
}

void SortKeyCache::put_result(std::string request, std::uint32_t uid_validity,
                              std::vector<std::uint64_t> matched, std::string answer,
                              std::vector<std::uint32_t> order) {
  std::shared_ptr<const std::vector<std::uint64_t>> shared;
  for (const Result& r : results_) {
    if (r.uid_validity == uid_validity && *r.matched == matched) shared = r.matched;
  }
  if (!shared) shared = std::make_shared<const std::vector<std::uint64_t>>(std::move(matched));
  std::erase_if(results_, [&](const Result& r) { return r.request == request; });
  if (results_.size() >= kMaxResults) results_.erase(results_.begin());
  results_.push_back(Result{std::move(request), uid_validity, std::move(shared), std::move(answer),
                            std::move(order)});
}

const std::vector<std::uint32_t>* SortKeyCache::find_order(
    std::string_view request, std::uint32_t uid_validity,
    const std::vector<std::uint64_t>& matched) const {
  for (const Result& r : results_) {
    if (r.request != request || r.uid_validity != uid_validity || r.order.empty()) continue;
    const auto& old = *r.matched;
    if (old.size() < matched.size() && std::equal(old.begin(), old.end(), matched.begin())) {
      return &r.order;
    }
  }
  return nullptr;
}

}  // namespace imap
