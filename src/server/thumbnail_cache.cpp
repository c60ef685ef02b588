#include "thumbnail_cache.h"

namespace lingbi::server {

std::optional<std::string> ThumbnailCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void ThumbnailCache::put(const std::string& key, std::string jpeg) {
  if (jpeg.size() > budget_) return;
  std::lock_guard lock(mutex_);
  if (const auto it = index_.find(key); it != index_.end()) {
    used_ -= it->second->second.size();
    order_.erase(it->second);
    index_.erase(it);
  }
  used_ += jpeg.size();
  order_.emplace_front(key, std::move(jpeg));
  index_[key] = order_.begin();
  while (used_ > budget_) {
    used_ -= order_.back().second.size();
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

}  // namespace lingbi::server
