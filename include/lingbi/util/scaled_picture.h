// A picture decoded and scaled down with libvips, and its JPEG: the one way lingbi makes a smaller
// copy of a picture, for the pages and documents it writes (render) and for the vision model
// (compose).
#pragma once

#include <string>

#include <vips/vips8>

namespace lingbi {

// The picture at `path` decoded (shrunk on load where the format allows), turned upright by its
// EXIF orientation, scaled down to fit max_width x max_height (never up), transparency flattened
// on white, 8-bit sRGB. Throws vips::VError when it cannot be read or decoded.
vips::VImage load_scaled(const std::string& path, int max_width, int max_height = 100000);

// `img` as JPEG bytes at `quality`, metadata stripped but the JFIF header kept (python-docx and
// some document importers recognise JPEG by it).
std::string encode_jpeg(const vips::VImage& img, int quality);

}  // namespace lingbi
