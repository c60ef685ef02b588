// A picture prepared for a page or a phone: decoded, turned as its EXIF says, flattened on white,
// scaled down (never up), encoded as JPEG. Renderers inline it; the server sends it as a thumbnail.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace lingbi {

// The JPEG bytes of the picture at `path`, at most `max_width` wide, or nullopt with `error` set
// (naming the file) when it is missing or does not decode.
std::optional<std::string> scaled_jpeg(const std::string& path, int max_width, int quality,
                                       std::string& error);

// A JPEG with its size in pixels.
struct Jpeg {
  std::string bytes;
  int width = 0;
  int height = 0;
};

// As scaled_jpeg, and at most `max_bytes` long (0: no limit): while too large, the quality is
// lowered step by step to 40, then the picture is made smaller. Platforms that take pictures
// (WeChat: 1 MB) and documents that need the size (docx) use it.
std::optional<Jpeg> fitted_jpeg(const std::string& path, int max_width, int quality, size_t max_bytes,
                                std::string& error);

}  // namespace lingbi
