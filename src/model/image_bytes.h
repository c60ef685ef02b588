// The encoded bytes of an image part, from memory or from its file.
#pragma once

#include <string>

#include "lingbi/model/model.h"

namespace lingbi::model_detail {

// The bytes of an image part as PNG or JPEG, which every backend decodes (llama.cpp's mtmd and
// servers read few formats): PNG and JPEG pass as they are; anything else libvips reads (WebP,
// TIFF, HEIF, GIF, BMP, ...) is decoded, turned upright and into sRGB, and re-encoded as PNG.
// Throws lingbi::Error naming the image when it cannot be read or decoded, and for an empty image.
std::string image_bytes(const ContentPart& part);

// "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", or "application/octet-stream".
std::string image_mime_type(const std::string& bytes);

// A name for the image in messages: its path, or "image given as N bytes".
std::string image_label(const ContentPart& part);

}  // namespace lingbi::model_detail
