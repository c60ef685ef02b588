// What a picture someone hands us is, before we keep it: its format and size, read by decoding it
// whole, so that a truncated or disguised file is refused at the door rather than in a render.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lingbi {

struct PictureInfo {
  std::string mime;       // "image/jpeg", "image/png", "image/webp", "image/gif", "image/heif", "image/tiff"
  std::string extension;  // ".jpg", ".png", ...
  int width = 0;          // as stored (before any EXIF rotation)
  int height = 0;
};

// The picture in `bytes`, or nullopt with `error` saying why not: not a picture, a format other
// than those above (SVG and PDF are refused: they are documents, not pictures), more than
// `max_pixels` pixels, or a file that does not decode to its end.
std::optional<PictureInfo> probe_picture(std::string_view bytes, long long max_pixels, std::string& error);

}  // namespace lingbi
