#include "lingbi/render/picture.h"

#include <vips/vips8>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "lingbi/util/vips_init.h"

namespace lingbi {

namespace {

// Decoded, oriented, flattened, sRGB, 8 bits, at most `max_width` wide.
vips::VImage load_scaled(const std::string& path, int max_width) {
  // thumbnail applies the EXIF orientation and shrinks on load where the format allows.
  vips::VImage img = vips::VImage::thumbnail(path.c_str(), max_width,
                                             vips::VImage::option()
                                                 ->set("height", 100000)
                                                 ->set("size", VIPS_SIZE_DOWN)
                                                 ->set("fail_on", VIPS_FAIL_ON_ERROR));
  if (img.has_alpha())
    img = img.flatten(vips::VImage::option()->set("background", std::vector<double>{255, 255, 255}));
  img = img.colourspace(VIPS_INTERPRETATION_sRGB);
  if (img.format() != VIPS_FORMAT_UCHAR) img = img.cast(VIPS_FORMAT_UCHAR);
  return img;
}

std::string encode_jpeg(const vips::VImage& img, int quality) {
  void* buf = nullptr;
  size_t size = 0;
  img.write_to_buffer(".jpg", &buf, &size,
                      vips::VImage::option()->set("Q", quality)->set("strip", true)->set("optimize_coding", true));
  std::unique_ptr<void, decltype(&g_free)> owned(buf, g_free);
  std::string jpeg(static_cast<const char*>(buf), size);
  // "strip" drops the JFIF header too; readers that recognise JPEG by it (python-docx, some
  // document importers) need it back: APP0 "JFIF" 1.1, square pixels, right after SOI.
  static const std::string jfif("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  if (jpeg.size() > 4 && jpeg.compare(2, 2, "\xFF\xE0") != 0) jpeg.insert(2, jfif);
  return jpeg;
}

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
