#include "picture_check.h"

#include <vips/vips8>

#include <filesystem>

#include "lingbi/util/strings.h"
#include "lingbi/util/vips_init.h"

namespace lingbi::compose {

std::string picture_problem(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return "does not exist";
  ensure_vips();
  try {
    // A small thumbnail decodes the whole file (JPEGs at a reduced scale), which is what a
    // renderer or a vision model will do with it later.
    vips::VImage::thumbnail(path.c_str(), 64, vips::VImage::option()->set("fail_on", VIPS_FAIL_ON_ERROR))
        .avg();
  } catch (const vips::VError& e) {
    vips_error_clear();
    return "does not decode: " + strip(e.what());
  }
  return {};
}

}  // namespace lingbi::compose
