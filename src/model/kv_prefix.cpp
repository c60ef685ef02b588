#include "kv_prefix.h"

#include <algorithm>

namespace lingbi::model_detail {

size_t reusable_prefix(const PositionKeys& cached, const PositionKeys& prompt,
                       const std::vector<std::pair<size_t, size_t>>& images) {
  const size_t limit = std::min(cached.size(), prompt.empty() ? 0 : prompt.size() - 1);
  size_t n = 0;
  while (n < limit && cached[n] == prompt[n]) ++n;
  for (const auto& [begin, end] : images) {
    if (n > begin && n < end) n = begin;
  }
  return n;
}

}  // namespace lingbi::model_detail
