// A small real PNG for tests that need an image file: a colour gradient, written with libvips.
#include <vips/vips8>

#include "lingbi/util/error.h"
#include "tiny_models.h"

namespace lingbi::dev {

void write_test_image(const std::filesystem::path& path, int width, int height) {
  if (VIPS_INIT("lingbi-dev") != 0) throw Error("libvips failed to initialise");
  try {
    vips::VImage xy = vips::VImage::xyz(width, height);
    vips::VImage r = xy.extract_band(0) * (255.0 / width);
    vips::VImage g = xy.extract_band(1) * (255.0 / height);
    vips::VImage b = (xy.extract_band(0) + xy.extract_band(1)) * (127.0 / (width + height));
    r.bandjoin(g).bandjoin(b).cast(VIPS_FORMAT_UCHAR).write_to_file(path.c_str());
  } catch (const vips::VError& e) {
    throw Error("cannot write " + path.string() + ": " + e.what());
  }
}

}  // namespace lingbi::dev
