// Matching a picture's look to the tone a slot asks for, from the cheap appearance statistics the
// gallery keeps for every image. A soft preference: it reorders candidates of similar relevance,
// never a clearly more relevant one below a clearly less relevant one.
#pragma once

#include <string_view>
#include <vector>

#include "lingbi/gallery/appearance.h"

namespace lingbi {

// The tones the Illustrator may ask for.
const std::vector<std::string_view>& tone_names();

// How well a look fits a tone, in [0, 1]; 0.5 (no preference) for "neutral" and unknown tones.
double tone_fit(std::string_view tone, const Appearance& look);

// Candidate order after the tone preference: indexes into `relevance`, best first. Each score
// becomes relevance + weight * (2 * fit - 1), so the tone moves a candidate by at most `weight`
// and never lifts it over one whose relevance is higher by more than 2 * weight. Ties keep the
// original order.
std::vector<size_t> rerank_by_tone(const std::vector<double>& relevance, const std::vector<Appearance>& looks,
                                   std::string_view tone, double weight);

}  // namespace lingbi
