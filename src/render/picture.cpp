#include "lingbi/render/picture.h"

#include <vips/vips8>

#include <algorithm>
#include <filesystem>

#include "lingbi/util/scaled_picture.h"
#include "lingbi/util/vips_init.h"

namespace lingbi {

namespace {

// Runs `make` on the decoded picture; a missing or broken file sets `error` and gives nullopt.
template <class Make>
auto with_picture(const std::string& path, int max_width, std::string& error, Make make)
    -> std::optional<decltype(make(std::declval<vips::VImage>()))> {
  ensure_vips();
  if (!std::filesystem::is_regular_file(path)) {
    error = "picture " + path + " does not exist";
    return std::nullopt;
  }
  try {
    return make(load_scaled(path, max_width));
  } catch (const vips::VError& e) {
    error = "picture " + path + " does not decode: " + std::string(e.what());
    vips_error_clear();
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> scaled_jpeg(const std::string& path, int max_width, int quality,
                                       std::string& error) {
  return with_picture(path, max_width, error, [&](const vips::VImage& img) { return encode_jpeg(img, quality); });
}

std::optional<Jpeg> fitted_jpeg(const std::string& path, int max_width, int quality, size_t max_bytes,
                                std::string& error) {
  return with_picture(path, max_width, error, [&](vips::VImage img) {
    // Encoded perhaps several times, and a sequential decode can be read only once: decode once.
    img = img.copy_memory();
    Jpeg jpeg{encode_jpeg(img, quality), img.width(), img.height()};
    while (max_bytes > 0 && jpeg.bytes.size() > max_bytes) {
      if (quality > 40) {
        quality = std::max(40, quality - 10);
      } else {
        img = img.resize(0.8);
      }
      jpeg = {encode_jpeg(img, quality), img.width(), img.height()};
    }
    return jpeg;
  });
}

}  // namespace lingbi
