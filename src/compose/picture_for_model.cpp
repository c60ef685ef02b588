#include "picture_for_model.h"

#include <vips/vips8>

#include <algorithm>

#include "lingbi/util/error.h"
#include "lingbi/util/scaled_picture.h"
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
    return ContentPart::of_image_bytes(encode_jpeg(load_scaled(path, kModelPictureSide, kModelPictureSide), 90));
  } catch (const vips::VError& e) {
    vips_error_clear();
    throw Error("picture " + path + " could not be decoded for the vision model: " + strip(e.what()));
  }
}

}  // namespace lingbi::compose
