// Pictures generated for tests with libvips: flat colours, gradients, alpha, any size.
#pragma once

#include <vips/vips8>

#include <filesystem>
#include <string>
#include <vector>

#include "lingbi/util/vips_init.h"

namespace lingbi::test {

// A w x h RGB picture of one colour.
inline vips::VImage solid(int w, int h, std::vector<double> rgb) {
  ensure_vips();
  return (vips::VImage::black(w, h, vips::VImage::option()->set("bands", 3)) + rgb).cast(VIPS_FORMAT_UCHAR);
}

// A horizontal grey ramp from 0 to 255, three bands.
inline vips::VImage gradient(int w, int h) {
  ensure_vips();
  vips::VImage ramp = vips::VImage::xyz(w, h)[0] * (255.0 / std::max(1, w - 1));
  return ramp.bandjoin({ramp, ramp}).cast(VIPS_FORMAT_UCHAR);
}

// Saves by extension (.png, .jpg, .webp, ...) and returns the path as a string.
inline std::string save(const vips::VImage& img, const std::filesystem::path& path) {
  img.write_to_file(path.c_str());
  return path.string();
}

}  // namespace lingbi::test
