// Thumbnails made once and kept in memory, most recently used first, up to a byte budget: a page
// that shows a strip of candidates asks for the same few pictures again and again. Thread-safe.
// Internal to src/server.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace lingbi::server {

class ThumbnailCache {
 public:
  explicit ThumbnailCache(size_t budget_bytes) : budget_(budget_bytes) {}

  // The thumbnail kept under `key` (a content hash and a width), if any; it becomes the newest.
  std::optional<std::string> find(const std::string& key);
  // Keeps `jpeg` under `key`, forgetting the least recently used ones beyond the budget.
  void put(const std::string& key, std::string jpeg);

 private:
  using Entry = std::pair<std::string, std::string>;  // key, bytes
  const size_t budget_;
  size_t used_ = 0;
  std::mutex mutex_;
  std::list<Entry> order_;  // newest first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace lingbi::server
