#include "picture_for_model.h"

#include <vips/vips8>

#include <algorithm>
#include <memory>

#include "lingbi/util/error.h"
#include "lingbi/util/strings.h"
#include "lingbi/util/vips_init.h"

namespace lingbi::compose {

ContentPart picture_for_model(const std::string& path) {
  ensure_vips();
  try {
    // The header alone says the size; only a picture too large is decoded, and a JPEG then at a
    // reduced scale (libvips' shrink-on-load).
    const vips::VImage header = vips::VImage::new_from_file(path.c_str());
    const bool upright = vips_image_get_orientation(header.get_image()) == 1;
    const int longest = std::max(header.width(), header.height());
    if (longest <= kModelPictureSide && upright) return ContentPart::of_image_file(path);
    vips::VImage small = vips::VImage::thumbnail(
        path.c_str(), kModelPictureSide,
        vips::VImage::option()->set("height", kModelPictureSide)->set("size", VIPS_SIZE_DOWN)->set("fail_on", VIPS_FAIL_ON_ERROR));
    if (small.has_alpha())
      small = small.flatten(vips::VImage::option()->set("background", std::vector<double>{255, 255, 255}));
    small = small.colourspace(VIPS_INTERPRETATION_sRGB).cast(VIPS_FORMAT_UCHAR);
    void* buf = nullptr;
    size_t size = 0;
    small.write_to_buffer(".jpg", &buf, &size, vips::VImage::option()->set("Q", 90)->set("strip", true));
    std::unique_ptr<void, decltype(&g_free)> owned(buf, g_free);
    return ContentPart::of_image_bytes(std::string(static_cast<const char*>(buf), size));
  } catch (const vips::VError& e) {
    vips_error_clear();
    throw Error("picture " + path + " could not be decoded for the vision model: " + strip(e.what()));
  }
}

}  // namespace lingbi::compose
