// CLIP preprocessing: known pixels in, expected tensor values out.
#include <gtest/gtest.h>
#include <vips/vips8>

#include <cmath>
#include <fstream>
#include <vector>

#include "lingbi/clip/clip.h"
#include "lingbi/util/error.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

class ClipImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(VIPS_INIT("lingbi-test"), 0); }

  // An image that owns a copy of pixels.
  static vips::VImage from_pixels(std::vector<uint8_t> px, int w, int h, int bands, VipsInterpretation interp) {
    vips::VImage im(vips_image_new_from_memory_copy(px.data(), px.size(), w, h, bands, VIPS_FORMAT_UCHAR));
    return im.copy(vips::VImage::option()->set("interpretation", interp));
  }

  // An 8-bit sRGB image whose pixel (x, y) is f(x, y, c).
  template <typename F>
  static vips::VImage make(int w, int h, F f) {
    std::vector<uint8_t> px(size_t(w) * h * 3);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) px[(size_t(y) * w + x) * 3 + c] = uint8_t(f(x, y, c));
    return from_pixels(px, w, h, 3, VIPS_INTERPRETATION_sRGB);
  }

  float expected(const ClipPreprocess& p, int c, double v) const { return float((v / 255.0 - p.mean[c]) / p.std[c]); }
  static float at(const ClipImage& im, int c, int y, int x) { return im.pixels[(size_t(c) * im.size + y) * im.size + x]; }

  ClipPreprocess p;  // defaults: OpenAI mean/std
  void SetUp() override { p.image_size = 32; }
};

TEST_F(ClipImageTest, WideImageIsCentreCroppedAndNormalised) {
  // 48x32: the short side is already 32, so no resampling; the crop starts at x = (48 - 32) / 2 = 8.
  auto f = [](int x, int y, int c) { return c == 0 ? 5 * x : c == 1 ? 7 * y : 3 * (x + y); };
  const ClipImage im = clip_image_from_vips(make(48, 32, f), p);
  ASSERT_EQ(im.size, 32);
  ASSERT_EQ(im.pixels.size(), 3u * 32 * 32);
  for (int c = 0; c < 3; ++c)
    for (int y : {0, 5, 31})
      for (int x : {0, 13, 31}) EXPECT_NEAR(at(im, c, y, x), expected(p, c, f(x + 8, y, c)), 1e-5) << c << y << x;
}

TEST_F(ClipImageTest, TallImageIsCroppedVertically) {
  auto f = [](int x, int y, int c) { return c == 0 ? 5 * x : c == 1 ? 4 * y : 200; };
  const ClipImage im = clip_image_from_vips(make(32, 48, f), p);
  for (int y : {0, 17, 31}) EXPECT_NEAR(at(im, 1, y, 3), expected(p, 1, f(3, y + 8, 1)), 1e-5);
  EXPECT_NEAR(at(im, 2, 9, 9), expected(p, 2, 200), 1e-5);
}

TEST_F(ClipImageTest, ConstantColourSurvivesResizing) {
  const ClipImage im = clip_image_from_vips(make(100, 61, [](int, int, int c) { return c == 0 ? 10 : c == 1 ? 130 : 250; }), p);
  for (int y : {0, 16, 31})
    for (int x : {0, 16, 31}) {
      EXPECT_NEAR(at(im, 0, y, x), expected(p, 0, 10), 1e-5);
      EXPECT_NEAR(at(im, 1, y, x), expected(p, 1, 130), 1e-5);
      EXPECT_NEAR(at(im, 2, y, x), expected(p, 2, 250), 1e-5);
    }
}

TEST_F(ClipImageTest, DownscaleIsBicubicAntialiased) {
  // A ramp R = 2x + 10 over 64 columns shrunk by 2: output column x covers input centre 2x + 1, where
  // the ramp (sampled at pixel centres i + 0.5) is 2 * (2x + 0.5) + 10 = 4x + 11. Cubic kernels keep
  // linear ramps exact away from the borders; 8-bit rounding allows 1 level.
  const ClipImage im = clip_image_from_vips(make(64, 64, [](int x, int, int c) { return c == 0 ? 2 * x + 10 : 90; }), p);
  for (int x = 3; x < 29; ++x) EXPECT_NEAR(at(im, 0, 10, x), expected(p, 0, 4 * x + 11), 1.01 / 255 / p.std[0]) << x;
  // A step edge overshoots with bicubic (PIL does the same): values beyond the plateaus appear.
  const ClipImage step = clip_image_from_vips(make(96, 96, [](int x, int, int) { return x < 48 ? 50 : 200; }), p);
  float lo = 1e9f, hi = -1e9f;
  for (int x = 0; x < 32; ++x) {
    lo = std::min(lo, at(step, 0, 5, x));
    hi = std::max(hi, at(step, 0, 5, x));
  }
  EXPECT_LT(lo, expected(p, 0, 50));
  EXPECT_GT(hi, expected(p, 0, 200));
}

TEST_F(ClipImageTest, SmallImagesAreUpscaled) {
  // 8x4 constant image: the short side goes 4 -> 32, the long side 8 -> 64, then the centre crop.
  const ClipImage im = clip_image_from_vips(make(8, 4, [](int, int, int c) { return 60 + 40 * c; }), p);
  ASSERT_EQ(im.size, 32);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(at(im, c, 31, 0), expected(p, c, 60 + 40 * c), 1e-5);
  const ClipImage one = clip_image_from_vips(make(1, 1, [](int, int, int) { return 9; }), p);
  EXPECT_NEAR(at(one, 2, 16, 16), expected(p, 2, 9), 1e-5);
}

TEST_F(ClipImageTest, ExifOrientationIsApplied) {
  test::TempDir dir;
  auto f = [](int x, int y, int c) { return c == 0 ? 6 * x : c == 1 ? 5 * y : (x < 10 && y < 20) ? 255 : 0; };
  const vips::VImage upright = make(48, 32, f);
  auto save = vips::VImage::option()->set("Q", 100)->set("subsample_mode", VIPS_FOREIGN_SUBSAMPLE_OFF);
  upright.jpegsave((dir / "upright.jpg").c_str(), save);
  // Stored turned 90 degrees anticlockwise, tagged "rotate 90 clockwise to display" (orientation 6).
  vips::VImage stored = upright.rot(VIPS_ANGLE_D270).copy();
  stored.set("orientation", 6);
  stored.jpegsave((dir / "rotated.jpg").c_str(),
                  vips::VImage::option()->set("Q", 100)->set("subsample_mode", VIPS_FOREIGN_SUBSAMPLE_OFF));
  vips::VImage untagged = upright.rot(VIPS_ANGLE_D270);
  untagged.jpegsave((dir / "untagged.jpg").c_str(), vips::VImage::option()->set("Q", 100));

  const ClipImage a = load_clip_image((dir / "upright.jpg").string(), p);
  const ClipImage b = load_clip_image((dir / "rotated.jpg").string(), p);
  const ClipImage c = load_clip_image((dir / "untagged.jpg").string(), p);
  double max_diff = 0, max_diff_untagged = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    max_diff = std::max(max_diff, double(std::fabs(a.pixels[i] - b.pixels[i])));
    max_diff_untagged = std::max(max_diff_untagged, double(std::fabs(a.pixels[i] - c.pixels[i])));
  }
  EXPECT_LT(max_diff, 4.0 / 255 / 0.26);  // JPEG rounding only
  EXPECT_GT(max_diff_untagged, 1.0);      // without the tag the picture really is turned
}

TEST_F(ClipImageTest, GreyAndAlphaBecomeRgb) {
  // Grey: the three planes equal the grey level.
  std::vector<uint8_t> grey(40 * 32, 77);
  const auto g = from_pixels(grey, 40, 32, 1, VIPS_INTERPRETATION_B_W);
  const ClipImage gi = clip_image_from_vips(g, p);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(at(gi, c, 7, 7), expected(p, c, 77), 1e-5);
  // Fully transparent black flattens onto white; opaque pixels keep their colour.
  std::vector<uint8_t> rgba(32 * 32 * 4);
  for (int i = 0; i < 32 * 32; ++i) {
    const bool left = (i % 32) < 16;
    rgba[i * 4 + 0] = left ? 0 : 20;
    rgba[i * 4 + 1] = left ? 0 : 40;
    rgba[i * 4 + 2] = left ? 0 : 60;
    rgba[i * 4 + 3] = left ? 0 : 255;
  }
  const auto a = from_pixels(rgba, 32, 32, 4, VIPS_INTERPRETATION_sRGB);
  const ClipImage ai = clip_image_from_vips(a, p);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(at(ai, c, 3, 2), expected(p, c, 255), 1e-5);
    EXPECT_NEAR(at(ai, c, 3, 30), expected(p, c, 20 * (c + 1)), 1e-5);
  }
}

TEST_F(ClipImageTest, FromMemoryEqualsFromFile) {
  test::TempDir dir;
  make(50, 40, [](int x, int y, int c) { return (x * 3 + y * 5 + c * 70) % 256; }).pngsave((dir / "a.png").c_str());
  std::ifstream in(dir / "a.png", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(load_clip_image((dir / "a.png").string(), p).pixels,
            load_clip_image_from_memory(bytes.data(), bytes.size(), p).pixels);
}

TEST_F(ClipImageTest, UndecodableImageNamesTheFile) {
  test::TempDir dir;
  std::ofstream(dir / "broken.jpg") << "this is not a JPEG";
  try {
    load_clip_image((dir / "broken.jpg").string(), p);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.jpg"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_clip_image((dir / "missing.png").string(), p), Error);
  EXPECT_THROW(load_clip_image_from_memory("abc", 3, p), Error);
  // A truncated PNG.
  make(50, 40, [](int x, int, int) { return x; }).pngsave((dir / "t.png").c_str());
  std::ifstream in(dir / "t.png", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() / 2);
  EXPECT_THROW(load_clip_image_from_memory(bytes.data(), bytes.size(), p), Error);
}

TEST_F(ClipImageTest, StretchResizesBothSidesWithoutCropping) {
  // 64x32, the left quarter black, the rest white. Cropped (CLIP), column 0 is source column 16:
  // white. Stretched (Chinese-CLIP's and SigLIP's processors), column 0 comes from source columns 0-3:
  // black, and column 31 from the right edge: white.
  auto im = make(64, 32, [](int x, int, int) { return x < 16 ? 0 : 255; });
  p.stretch = false;
  const ClipImage cropped = clip_image_from_vips(im, p);
  EXPECT_NEAR(at(cropped, 0, 5, 0), expected(p, 0, 255), 1e-5);
  p.stretch = true;
  const ClipImage stretched = clip_image_from_vips(im, p);
  ASSERT_EQ(stretched.size, 32);
  EXPECT_NEAR(at(stretched, 0, 5, 0), expected(p, 0, 0), 1e-5);
  EXPECT_NEAR(at(stretched, 1, 20, 31), expected(p, 1, 255), 1e-5);
}

}  // namespace
}  // namespace lingbi
