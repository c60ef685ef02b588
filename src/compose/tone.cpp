#include "lingbi/compose/tone.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace lingbi {

const std::vector<std::string_view>& tone_names() {
  static const std::vector<std::string_view> names = {"bright", "warm", "calm", "neutral", "sombre", "dramatic"};
  return names;
}

double tone_fit(std::string_view tone, const Appearance& a) {
  const double lum = std::clamp<double>(a.luminance, 0, 1);
  const double sat = std::clamp<double>(a.saturation, 0, 1);
  const double colour = std::clamp<double>(a.colourfulness / 110.0, 0, 1);
  const double vivid = 0.4 * lum + 0.3 * sat + 0.3 * colour;  // luminous and colourful
  if (tone == "bright") return vivid;
  if (tone == "warm") return 0.5 * lum + 0.5 * colour;
  if (tone == "calm") return 0.5 * (1 - sat) + 0.5 * (1 - std::min(1.0, 2 * std::abs(lum - 0.6)));
  if (tone == "sombre") return 1 - vivid;
  if (tone == "dramatic") return 0.5 * (1 - lum) + 0.5 * colour;
  return 0.5;
}

std::vector<size_t> rerank_by_tone(const std::vector<double>& relevance, const std::vector<Appearance>& looks,
                                   std::string_view tone, double weight) {
  std::vector<double> score(relevance.size());
  for (size_t i = 0; i < relevance.size(); ++i) {
    double fit = i < looks.size() ? tone_fit(tone, looks[i]) : 0.5;
    score[i] = relevance[i] + weight * (2 * fit - 1);
  }
  std::vector<size_t> order(relevance.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return score[x] > score[y]; });
  return order;
}

}  // namespace lingbi
