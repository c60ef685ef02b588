// How a picture is shown to the vision model that chooses among candidates or describes the
// author's own pictures. Internal to compose.
#pragma once

#include <string>

#include "lingbi/model/model.h"

namespace lingbi::compose {

// The longest side, in pixels, of a picture the vision model is shown. Qwen2.5-VL reads a picture
// at its own size, up to 4,096 tokens: a 12-megapixel photo costs 4,096 tokens, four candidates
// more than compose's whole context. At 448 pixels a 4:3 picture is 192 tokens (16 x 12 patches of
// 28 pixels), enough to tell which of four candidates fits a caption.
constexpr int kModelPictureSide = 448;

// The picture at `path` as the vision model should see it: the file itself when neither side is
// longer than kModelPictureSide, else a JPEG of it scaled down to that (turned upright by its EXIF
// orientation, transparency on white). Throws lingbi::Error naming the file when it cannot be
// read or decoded.
ContentPart picture_for_model(const std::string& path);

}  // namespace lingbi::compose
