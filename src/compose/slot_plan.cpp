#include "lingbi/compose/slot_plan.h"

#include <algorithm>
#include <cmath>

namespace lingbi {

int auto_image_count(int length, std::string_view lang, int paragraphs) {
  const double per_picture = lang == "zh" ? 750.0 : 375.0;
  int n = std::max(1, static_cast<int>(std::ceil(length / per_picture)));
  return std::min(n, std::max(0, paragraphs));
}

namespace {

// The free paragraph nearest to `at` (ties go to the later one, so a picture follows its text).
int nearest_free(const std::vector<bool>& taken, int at) {
  const int n = static_cast<int>(taken.size());
  at = std::clamp(at, 0, n - 1);
  for (int d = 0; d < n; ++d) {
    if (at + d < n && !taken[at + d]) return at + d;
    if (at - d >= 0 && !taken[at - d]) return at - d;
  }
  return -1;
}

}  // namespace

std::vector<int> place_slots(const std::vector<int>& proposed, int paragraphs, int wanted,
                             std::vector<std::string>& warnings) {
  if (paragraphs <= 0 || wanted <= 0) return {};
  if (wanted > paragraphs) {
    warnings.push_back(std::to_string(wanted) + " pictures asked for, but the article has only " +
                       std::to_string(paragraphs) + " paragraphs and a paragraph takes at most one: placing " +
                       std::to_string(paragraphs));
    wanted = paragraphs;
  }
  std::vector<bool> taken(paragraphs, false);
  std::vector<int> placed;
  for (int p : proposed) {
    if (static_cast<int>(placed.size()) == wanted) break;
    int at = nearest_free(taken, p);
    taken[at] = true;
    placed.push_back(at);
  }
  // Spread the rest: aim at evenly spaced points, each moved to the nearest free paragraph.
  const int missing = wanted - static_cast<int>(placed.size());
  for (int k = 0; k < missing; ++k) {
    int target = static_cast<int>((k + 0.5) * paragraphs / missing);
    int at = nearest_free(taken, target);
    taken[at] = true;
    placed.push_back(at);
  }
  std::sort(placed.begin(), placed.end());
  return placed;
}

}  // namespace lingbi
