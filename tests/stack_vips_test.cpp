// libvips links and decodes PNG and JPEG files written by the test, with the expected pixels.
#include <gtest/gtest.h>
#include <vips/vips8>

#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace {

class StackVips : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(VIPS_INIT("lingbi-test"), 0) << vips_error_buffer(); }
};

// A 64x48 RGB image: left half pure red, right half pure blue, plus one green pixel at (5, 7).
std::vector<unsigned char> make_pixels(int w, int h) {
  std::vector<unsigned char> px(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      unsigned char* p = &px[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = x < w / 2 ? 255 : 0;
      p[1] = 0;
      p[2] = x < w / 2 ? 0 : 255;
    }
  unsigned char* g = &px[(7 * w + 5) * 3];
  g[0] = 0, g[1] = 255, g[2] = 0;
  return px;
}

std::vector<double> pixel_at(const vips::VImage& img, int x, int y) { return img.getpoint(x, y); }

TEST_F(StackVips, DecodesPngExactly) {
  const int w = 64, h = 48;
  lingbi::test::TempDir dir;
  auto px = make_pixels(w, h);
  const std::string file = (dir / "test.png").string();
  vips::VImage::new_from_memory(px.data(), px.size(), w, h, 3, VIPS_FORMAT_UCHAR).pngsave(file.c_str());

  vips::VImage img = vips::VImage::new_from_file(file.c_str(), vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
  EXPECT_EQ(img.width(), w);
  EXPECT_EQ(img.height(), h);
  EXPECT_EQ(img.bands(), 3);
  EXPECT_EQ(img.format(), VIPS_FORMAT_UCHAR);
  vips::VImage mem = img.copy_memory();
  EXPECT_EQ(pixel_at(mem, 5, 7), (std::vector<double>{0, 255, 0}));
  EXPECT_EQ(pixel_at(mem, 10, 20), (std::vector<double>{255, 0, 0}));
  EXPECT_EQ(pixel_at(mem, 50, 40), (std::vector<double>{0, 0, 255}));
}

TEST_F(StackVips, DecodesJpegWithinCompressionError) {
  const int w = 64, h = 48;
  lingbi::test::TempDir dir;
  auto px = make_pixels(w, h);
  const std::string file = (dir / "test.jpg").string();
  vips::VImage::new_from_memory(px.data(), px.size(), w, h, 3, VIPS_FORMAT_UCHAR)
      .jpegsave(file.c_str(), vips::VImage::option()->set("Q", 95));

  vips::VImage img = vips::VImage::new_from_file(file.c_str());
  EXPECT_EQ(img.width(), w);
  EXPECT_EQ(img.height(), h);
  EXPECT_EQ(img.bands(), 3);
  // Inside flat areas, away from edges, JPEG at quality 95 stays within a few levels.
  auto red = pixel_at(img, 20, 30);
  auto blue = pixel_at(img, 50, 30);
  EXPECT_NEAR(red[0], 255, 6);
  EXPECT_NEAR(red[1], 0, 6);
  EXPECT_NEAR(red[2], 0, 8);
  EXPECT_NEAR(blue[0], 0, 8);
  EXPECT_NEAR(blue[1], 0, 6);
  EXPECT_NEAR(blue[2], 255, 6);
}

TEST_F(StackVips, CorruptFileGivesErrorNotCrash) {
  lingbi::test::TempDir dir;
  const std::string file = (dir / "broken.jpg").string();
  {
    std::FILE* f = std::fopen(file.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const unsigned char header[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F'};
    std::fwrite(header, 1, sizeof header, f);
    std::fclose(f);
  }
  EXPECT_THROW(
      {
        vips::VImage img = vips::VImage::new_from_file(file.c_str(), vips::VImage::option()->set("fail", true));
        img.copy_memory();
      },
      vips::VError);
}

}  // namespace
