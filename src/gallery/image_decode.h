// Decoding one image file for the gallery: header checks, shrink-on-load thumbnail, appearance
// statistics, caption and tags from sidecars and embedded metadata. Internal to src/gallery.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <vips/vips8>

#include "lingbi/gallery/appearance.h"

namespace lingbi::gallery {

// True for file names with an image extension the gallery indexes (case-insensitive).
bool is_image_name(const std::string& name);

// Statistics of an sRGB, 3-band, 8-bit image in memory.
Appearance appearance_of(const vips::VImage& srgb);

struct DecodedImage {
  int width = 0, height = 0;  // of the file, as its header says (after EXIF orientation)
  vips::VImage thumbnail;     // sRGB, 3 bands, 8-bit, shortest side about target_size, in memory
  Appearance appearance;
  std::string caption;
  std::vector<std::string> tags;
};

// Decodes `bytes` (the content of `path`) to a thumbnail whose shortest side is about
// target_size, never decoding the full image when the format can shrink on load. Throws
// lingbi::Error with the reason (not an image, truncated, too many pixels, ...) when it cannot.
DecodedImage decode_image(const std::string& path, const std::vector<unsigned char>& bytes, int target_size,
                          int64_t max_pixels);

// Caption and tags from a sidecar next to `path` (NAME.txt or NAME.json, with or without the
// image extension); they replace the embedded caption and add to its tags.
void read_sidecar(const std::string& path, std::string& caption, std::vector<std::string>& tags);

}  // namespace lingbi::gallery
