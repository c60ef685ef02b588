// Pictures prepared for an HTML page: decoded, oriented, flattened, scaled down, JPEG-encoded.
#pragma once

#include <optional>
#include <string>

namespace lingbi::render {

// A data: URL holding the picture at `path` as a JPEG at most `max_width` wide, or nullopt with
// `error` set when the file is missing or does not decode.
std::optional<std::string> inline_jpeg(const std::string& path, int max_width, int quality, std::string& error);

}  // namespace lingbi::render
