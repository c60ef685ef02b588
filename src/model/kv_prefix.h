// Which part of the KV cache a new prompt can keep: the rule behind LocalModel's prefix reuse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace lingbi::model_detail {

// One key per KV position: a text token's id, or a tag derived from an image's id and the position
// inside the image.
using PositionKeys = std::vector<uint64_t>;

// How many leading positions of `prompt` can be kept from `cached` (the keys now in the KV cache):
// their common prefix, but at least one prompt position is left to evaluate (its logits start the
// answer), and never part of an image: `images` lists [begin, end) spans that are kept whole or not.
size_t reusable_prefix(const PositionKeys& cached, const PositionKeys& prompt,
                       const std::vector<std::pair<size_t, size_t>>& images);

}  // namespace lingbi::model_detail
