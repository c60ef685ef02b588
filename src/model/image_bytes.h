// The encoded bytes of an image part, from memory or from its file.
#pragma once

#include <string>

#include "lingbi/model.h"

namespace lingbi::model_detail {

// The bytes of an image part. Throws lingbi::Error naming the file when it cannot be read, and
// for an empty image.
std::string image_bytes(const ContentPart& part);

// "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", or "application/octet-stream".
std::string image_mime_type(const std::string& bytes);

// A name for the image in messages: its path, or "image given as N bytes".
std::string image_label(const ContentPart& part);

}  // namespace lingbi::model_detail

namespace lingbi::model_detail {

// Standard base64 (with padding) of `bytes`.
std::string base64_encode(const std::string& bytes);

}  // namespace lingbi::model_detail
