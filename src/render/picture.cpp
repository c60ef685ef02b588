#include "lingbi/render/picture.h"

#include <vips/vips8>

#include <filesystem>
#include <memory>

#include "lingbi/util/vips_init.h"

namespace lingbi {

std::optional<std::string> scaled_jpeg(const std::string& path, int max_width, int quality,
                                       std::string& error) {
  ensure_vips();
  if (!std::filesystem::is_regular_file(path)) {
    error = "picture " + path + " does not exist";
    return std::nullopt;
  }
  try {
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
    void* buf = nullptr;
    size_t size = 0;
    img.write_to_buffer(
        ".jpg", &buf, &size,
        vips::VImage::option()->set("Q", quality)->set("strip", true)->set("optimize_coding", true));
    std::unique_ptr<void, decltype(&g_free)> owned(buf, g_free);
    return std::string(static_cast<const char*>(buf), size);
  } catch (const vips::VError& e) {
    error = "picture " + path + " does not decode: " + std::string(e.what());
    vips_error_clear();
    return std::nullopt;
  }
}

}  // namespace lingbi
