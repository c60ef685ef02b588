#include "lingbi/util/scaled_picture.h"

#include <memory>
#include <vector>

#include "lingbi/util/vips_init.h"

namespace lingbi {

vips::VImage load_scaled(const std::string& path, int max_width, int max_height) {
  ensure_vips();
  // thumbnail applies the EXIF orientation and shrinks on load where the format allows.
  vips::VImage img = vips::VImage::thumbnail(path.c_str(), max_width,
                                             vips::VImage::option()
                                                 ->set("height", max_height)
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
  // "strip" drops the JFIF header too: APP0 "JFIF" 1.1, square pixels, back right after SOI.
  static const std::string jfif("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  if (jpeg.size() > 4 && jpeg.compare(2, 2, "\xFF\xE0") != 0) jpeg.insert(2, jfif);
  return jpeg;
}

}  // namespace lingbi
