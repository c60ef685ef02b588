#include "image_inline.h"

#include "base64.hpp"
#include "lingbi/render/picture.h"

namespace lingbi::render {

std::optional<std::string> inline_jpeg(const std::string& path, int max_width, int quality, std::string& error) {
  const std::optional<std::string> jpeg = scaled_jpeg(path, max_width, quality, error);
  if (!jpeg) return std::nullopt;
  return "data:image/jpeg;base64," + base64::encode(jpeg->data(), jpeg->size());
}

}  // namespace lingbi::render
