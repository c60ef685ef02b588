#include "image_bytes.h"

#include <vips/vips8>

#include <cstdint>
#include <memory>
#include <fstream>
#include <iterator>

#include "lingbi/util/error.h"
#include "lingbi/util/vips_init.h"

namespace lingbi::model_detail {

namespace {

std::string read_part(const ContentPart& part) {
  if (part.kind == ContentPart::Kind::image_bytes) {
    if (part.bytes.empty()) throw Error("an image given as bytes is empty");
    return part.bytes;
  }
  std::ifstream in(part.path, std::ios::binary);
  if (!in) throw Error("image file " + part.path.string() + " cannot be read: check that it exists");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.empty()) throw Error("image file " + part.path.string() + " is empty");
  return data;
}

// Decodes any format libvips reads and encodes it as PNG.
std::string to_png(const std::string& bytes, const ContentPart& part) {
  ensure_vips();
  try {
    vips::VImage img = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "",
                                                     vips::VImage::option()->set("fail", true))
                           .autorot();
    if (img.has_alpha()) img = img.flatten(vips::VImage::option()->set("background", std::vector<double>{255, 255, 255}));
    img = img.colourspace(VIPS_INTERPRETATION_sRGB).cast(VIPS_FORMAT_UCHAR);
    void* buf = nullptr;
    size_t size = 0;
    img.write_to_buffer(".png", &buf, &size);
    std::unique_ptr<void, decltype(&g_free)> owned(buf, g_free);
    return std::string(static_cast<const char*>(buf), size);
  } catch (const vips::VError& e) {
    vips_error_clear();
    throw Error(image_label(part) + " could not be decoded as an image: " + std::string(e.what()).substr(0, 200));
  }
}

}  // namespace

std::string image_bytes(const ContentPart& part) {
  std::string data = read_part(part);
  const std::string mime = image_mime_type(data);
  if (mime == "image/png" || mime == "image/jpeg") return data;
  return to_png(data, part);
}

std::string image_mime_type(const std::string& b) {
  auto starts = [&](std::string_view p) {
    return b.size() >= p.size() && std::string_view(b).substr(0, p.size()) == p;
  };
  if (starts("\x89PNG")) return "image/png";
  if (starts("\xFF\xD8\xFF")) return "image/jpeg";
  if (starts("GIF8")) return "image/gif";
  if (starts("BM")) return "image/bmp";
  if (starts("RIFF") && b.size() >= 12 && b.compare(8, 4, "WEBP") == 0) return "image/webp";
  return "application/octet-stream";
}

std::string image_label(const ContentPart& part) {
  if (part.kind == ContentPart::Kind::image_file) return "image file " + part.path.string();
  return "image given as " + std::to_string(part.bytes.size()) + " bytes";
}

}  // namespace lingbi::model_detail
