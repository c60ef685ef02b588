// Where pictures go: how many an article gets, and positions that never put two pictures after
// one paragraph. Pure functions, used by the Illustrator and the editor.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lingbi {

// The number of pictures for --images auto: one for every 375 words begun (750 Chinese
// characters), so never fewer than one per 400 words; at least one; at most one per paragraph.
int auto_image_count(int length, std::string_view lang, int paragraphs);

// Turns the paragraph indexes a model proposed into exactly `wanted` distinct positions in
// [0, paragraphs). Proposals keep their place where they can; one out of range or already taken
// moves to the nearest free paragraph; missing ones are spread evenly over the free paragraphs.
// When `wanted` exceeds `paragraphs` the result has `paragraphs` positions and a warning says so.
// The result is sorted.
std::vector<int> place_slots(const std::vector<int>& proposed, int paragraphs, int wanted,
                             std::vector<std::string>& warnings);

}  // namespace lingbi
