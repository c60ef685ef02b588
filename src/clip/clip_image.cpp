// CLIP image preprocessing, as Hugging Face's CLIPImageProcessor does it:
//   decode (libvips), EXIF orientation, 3-channel sRGB 8-bit, shortest side resized to image_size
//   with PIL's antialiased bicubic (reproduced below bit for bit: same filter, same 22-bit fixed-point
//   coefficients, horizontal pass then vertical, 8-bit rounding between passes), centre crop,
//   scale to [0,1], normalise with the model's mean and std.
// Alpha: flattened onto white. (PIL's convert("RGB"), which HF uses, drops alpha and shows whatever
// colour transparent pixels hold, often black; white matches how pictures with transparency are
// seen on a page. Opaque images are unaffected.)
#include <glib.h>
#include <vips/vips8>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

#include "lingbi/clip/clip.h"
#include "lingbi/util/error.h"
#include "lingbi/util/vips_init.h"

namespace lingbi {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

struct Taps {
  std::vector<int> first, count;
  std::vector<int32_t> coeff;  // fixed point, count[i] per output, packed with stride ksize
  int ksize = 0;
};

// PIL's precompute_coeffs + normalize_coeffs_8bpc for one axis.
Taps make_taps(int in_size, int out_size) {
  const double scale = double(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = 2.0 * filter_scale;
  Taps t;
  t.ksize = int(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.coeff.assign(size_t(out_size) * t.ksize, 0);
  std::vector<double> k(t.ksize);
  for (int x = 0; x < out_size; ++x) {
    const double center = (x + 0.5) * scale;
    const double ss = 1.0 / filter_scale;
    int xmin = int(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = int(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double total = 0.0;
    for (int i = 0; i < xmax; ++i) {
      k[i] = bicubic((i + xmin - center + 0.5) * ss);
      total += k[i];
    }
    for (int i = 0; i < xmax; ++i) {
      const double w = total != 0.0 ? k[i] / total : 0.0;
      t.coeff[size_t(x) * t.ksize + i] =
          int32_t(w < 0 ? -0.5 + w * (1 << kPrecisionBits) : 0.5 + w * (1 << kPrecisionBits));
    }
    t.first[x] = xmin;
    t.count[x] = xmax;
  }
  return t;
}

uint8_t clip8(int64_t v) {
  v >>= kPrecisionBits;
  return uint8_t(std::clamp<int64_t>(v, 0, 255));
}

// Interleaved RGB, 8-bit.
struct Rgb {
  int width = 0, height = 0;
  std::vector<uint8_t> data;
  uint8_t at(int x, int y, int c) const { return data[(size_t(y) * width + x) * 3 + c]; }
};

Rgb resize_horizontal(const Rgb& in, int out_w) {
  if (out_w == in.width) return in;
  const Taps t = make_taps(in.width, out_w);
  Rgb out{out_w, in.height, std::vector<uint8_t>(size_t(out_w) * in.height * 3)};
  for (int y = 0; y < in.height; ++y)
    for (int x = 0; x < out_w; ++x)
      for (int c = 0; c < 3; ++c) {
        int64_t ss = int64_t(1) << (kPrecisionBits - 1);
        for (int i = 0; i < t.count[x]; ++i) ss += int64_t(in.at(t.first[x] + i, y, c)) * t.coeff[size_t(x) * t.ksize + i];
        out.data[(size_t(y) * out_w + x) * 3 + c] = clip8(ss);
      }
  return out;
}

Rgb resize_vertical(const Rgb& in, int out_h) {
  if (out_h == in.height) return in;
  const Taps t = make_taps(in.height, out_h);
  Rgb out{in.width, out_h, std::vector<uint8_t>(size_t(in.width) * out_h * 3)};
  for (int y = 0; y < out_h; ++y)
    for (int x = 0; x < in.width; ++x)
      for (int c = 0; c < 3; ++c) {
        int64_t ss = int64_t(1) << (kPrecisionBits - 1);
        for (int i = 0; i < t.count[y]; ++i) ss += int64_t(in.at(x, t.first[y] + i, c)) * t.coeff[size_t(y) * t.ksize + i];
        out.data[(size_t(y) * in.width + x) * 3 + c] = clip8(ss);
      }
  return out;
}

ClipImage finish(const Rgb& rgb, const ClipPreprocess& p) {
  const int size = p.image_size;
  int w = rgb.width, h = rgb.height;
  // Shortest side to size, the other scaled and truncated, as transformers' get_resize_output_image_size;
  // or, for processors that give a height and a width, both sides to size.
  if (p.stretch) {
    w = h = size;
  } else if (w <= h) {
    h = int(double(size) * rgb.height / rgb.width);
    w = size;
  } else {
    w = int(double(size) * rgb.width / rgb.height);
    h = size;
  }
  const Rgb resized = resize_vertical(resize_horizontal(rgb, w), h);
  const int top = (h - size) / 2, left = (w - size) / 2;
  ClipImage out;
  out.size = size;
  out.pixels.resize(size_t(3) * size * size);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        // Crop rows/columns outside the resized image are zero padding (HF pads when the crop is larger).
        const int sy = top + y, sx = left + x;
        const float v = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? resized.at(sx, sy, c) / 255.0f : 0.0f;
        out.pixels[(size_t(c) * size + y) * size + x] = (v - p.mean[c]) / p.std[c];
      }
  return out;
}

std::string vips_message(const vips::VError& e) {
  std::string m = e.what();
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

ClipImage to_clip_image(const vips::VImage& image, const ClipPreprocess& p);

}  // namespace

ClipImage clip_image_from_vips(const vips::VImage& image, const ClipPreprocess& p) {
  if (p.image_size <= 0) throw Error("CLIP preprocessing needs a positive image size");
  try {
    return to_clip_image(image, p);
  } catch (const vips::VError& e) {
    throw Error("an image could not be decoded or converted to sRGB (" + vips_message(e) + ")");
  }
}

ClipImage load_clip_image(const std::string& path, const ClipPreprocess& p) {
  ensure_vips();
  try {
    auto options = vips::VImage::option()->set("fail_on", VIPS_FAIL_ON_TRUNCATED);
    return to_clip_image(vips::VImage::new_from_file(path.c_str(), options), p);
  } catch (const vips::VError& e) {
    throw Error("image " + path + " could not be decoded (" + vips_message(e) +
                "): check that it is a readable, complete image file");
  }
}

ClipImage load_clip_image_from_memory(const void* data, size_t size, const ClipPreprocess& p) {
  ensure_vips();
  try {
    auto options = vips::VImage::option()->set("fail_on", VIPS_FAIL_ON_TRUNCATED);
    return to_clip_image(vips::VImage::new_from_buffer(data, size, "", options), p);
  } catch (const vips::VError& e) {
    throw Error("an image in memory (" + std::to_string(size) + " bytes) could not be decoded (" +
                vips_message(e) + ")");
  }
}

namespace {

ClipImage to_clip_image(const vips::VImage& image, const ClipPreprocess& p) {
  if (p.image_size <= 0) throw Error("CLIP preprocessing needs a positive image size");
  vips::VImage im = image.autorot();
  if (im.interpretation() != VIPS_INTERPRETATION_sRGB) {
    if (im.bands() <= 2 && im.interpretation() != VIPS_INTERPRETATION_B_W && im.interpretation() != VIPS_INTERPRETATION_GREY16)
      im = im.copy(vips::VImage::option()->set("interpretation", im.format() == VIPS_FORMAT_USHORT
                                                                     ? VIPS_INTERPRETATION_GREY16
                                                                     : VIPS_INTERPRETATION_B_W));
    im = im.colourspace(VIPS_INTERPRETATION_sRGB);
  }
  if (im.has_alpha()) im = im.flatten(vips::VImage::option()->set("background", std::vector<double>{255, 255, 255}));
  if (im.bands() > 3) im = im.extract_band(0, vips::VImage::option()->set("n", 3));
  if (im.bands() == 1) im = im.bandjoin({im, im});
  if (im.format() != VIPS_FORMAT_UCHAR) im = im.cast(VIPS_FORMAT_UCHAR);
  size_t size = 0;
  std::unique_ptr<void, decltype(&g_free)> mem(im.write_to_memory(&size), &g_free);
  Rgb rgb;
  rgb.width = im.width();
  rgb.height = im.height();
  const auto* bytes = static_cast<const uint8_t*>(mem.get());
  rgb.data.assign(bytes, bytes + size);
  if (rgb.data.size() != size_t(rgb.width) * rgb.height * 3) throw Error("image conversion to 8-bit sRGB failed");
  return finish(rgb, p);
}

}  // namespace

}  // namespace lingbi
