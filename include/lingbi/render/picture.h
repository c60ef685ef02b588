// A picture prepared for a page or a phone: decoded, turned as its EXIF says, flattened on white,
// scaled down (never up), encoded as JPEG. Renderers inline it; the server sends it as a thumbnail.
#pragma once

#include <optional>
#include <string>

namespace lingbi {

// The JPEG bytes of the picture at `path`, at most `max_width` wide, or nullopt with `error` set
// (naming the file) when it is missing or does not decode.
std::optional<std::string> scaled_jpeg(const std::string& path, int max_width, int quality,
                                       std::string& error);

}  // namespace lingbi
