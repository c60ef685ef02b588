#include "image_bytes.h"

#include <cstdint>
#include <fstream>
#include <iterator>

#include "lingbi/error.h"

namespace lingbi::model_detail {

std::string image_bytes(const ContentPart& part) {
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

namespace lingbi::model_detail {

std::string base64_encode(const std::string& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += digits[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? digits[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace lingbi::model_detail
