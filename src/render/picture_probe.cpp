#include "lingbi/render/picture_probe.h"

#include <vips/vips8>

#include <cctype>
#include <map>

#include "lingbi/util/vips_init.h"

namespace lingbi {

namespace {

// libvips' loader names (without "load_buffer") for the formats we accept.
const std::map<std::string, PictureInfo>& accepted() {
  static const std::map<std::string, PictureInfo> formats = {
      {"jpeg", {"image/jpeg", ".jpg"}}, {"png", {"image/png", ".png"}},   {"webp", {"image/webp", ".webp"}},
      {"gif", {"image/gif", ".gif"}},   {"heif", {"image/heif", ".heic"}}, {"tiff", {"image/tiff", ".tif"}},
  };
  return formats;
}

}  // namespace

std::optional<PictureInfo> probe_picture(std::string_view bytes, long long max_pixels, std::string& error) {
  ensure_vips();
  if (bytes.empty()) {
    error = "the picture is empty (0 bytes)";
    return std::nullopt;
  }
  const char* loader = vips_foreign_find_load_buffer(bytes.data(), bytes.size());
  if (!loader) {
    vips_error_clear();
    error = "not a picture lingbi can read (JPEG, PNG, WebP, GIF, HEIC or TIFF)";
    return std::nullopt;
  }
  std::string name;  // "foreignloadjpegbuffer"
  for (const char* p = loader; *p; ++p) name += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  std::string format;
  for (const auto& [key, info] : accepted())
    if (name.find("load" + key) != std::string::npos) format = key;
  if (format.empty()) {
    error = "pictures must be JPEG, PNG, WebP, GIF, HEIC or TIFF";
    return std::nullopt;
  }
  PictureInfo info = accepted().at(format);
  try {
    vips::VImage header = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "",
                                                        vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    info.width = header.width();
    info.height = header.height();
    if (static_cast<long long>(info.width) * info.height > max_pixels) {
      error = "the picture has " + std::to_string(info.width) + " x " + std::to_string(info.height) +
              " pixels, more than the " + std::to_string(max_pixels) + " accepted";
      return std::nullopt;
    }
    // Decoding to the end (shrunk on load where the format allows) finds a truncated file.
    VipsImage* raw = nullptr;
    if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &raw, 64, "option_string",
                              "fail_on=truncated", nullptr) != 0)
      throw vips::VError();
    vips::VImage small(raw, vips::STEAL);
    small.avg();
  } catch (const vips::VError& e) {
    vips_error_clear();
    error = "the picture does not decode: " + std::string(e.what()).substr(0, 200);
    return std::nullopt;
  }
  return info;
}

}  // namespace lingbi
