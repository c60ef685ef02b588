// Image fixtures for the gallery tests, generated with libvips at test time: distinct pictures
// (shapes, gradients, noise) in JPEG, PNG and WebP, copies of them, and hostile files.
#pragma once

#include <vips/vips8>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "test_pictures.h"

namespace lingbi::test {

namespace fs = std::filesystem;

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

inline std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The pictures themselves come from lingbi-dev (tools/lingbi-dev/test_pictures.h), which also
// writes them for the README's quick start.
using dev::make_picture;
using dev::make_pictures;
using dev::save_picture;

inline uint32_t crc32(const std::string& data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// A PNG whose header (with a valid CRC) claims w x h pixels; the pixel data is that of a tiny image.
inline std::string png_claiming(uint32_t w, uint32_t h) {
  const std::string tmp = (fs::temp_directory_path() / ("lingbi-claim-" + std::to_string(::getpid()) + ".png")).string();
  make_picture(1, 8, 8).pngsave(tmp.c_str());
  std::string png = read_bytes(tmp);
  fs::remove(tmp);
  // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4) ... CRC after 13 data bytes.
  auto put32 = [&](size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k) png[at + k] = static_cast<char>((v >> (24 - 8 * k)) & 0xFF);
  };
  put32(16, w);
  put32(20, h);
  put32(29, crc32(png.substr(12, 17)));
  return png;
}

// A JPEG whose SOF marker claims w x h pixels (JPEG limits each side to 65535).
inline std::string jpeg_claiming(uint16_t w, uint16_t h) {
  const std::string tmp = (fs::temp_directory_path() / ("lingbi-claim-" + std::to_string(::getpid()) + ".jpg")).string();
  make_picture(2, 16, 16).jpegsave(tmp.c_str());
  std::string jpg = read_bytes(tmp);
  fs::remove(tmp);
  for (size_t i = 2; i + 9 < jpg.size(); ++i)
    if (static_cast<unsigned char>(jpg[i]) == 0xFF &&
        (static_cast<unsigned char>(jpg[i + 1]) == 0xC0 || static_cast<unsigned char>(jpg[i + 1]) == 0xC2)) {
      jpg[i + 5] = static_cast<char>(h >> 8), jpg[i + 6] = static_cast<char>(h & 0xFF);
      jpg[i + 7] = static_cast<char>(w >> 8), jpg[i + 8] = static_cast<char>(w & 0xFF);
      break;
    }
  return jpg;
}

struct HostileSet {
  std::vector<fs::path> must_fail;   // every one must be listed as failed with a reason
  std::vector<fs::path> odd_valid;   // unusual but valid: must be indexed
};

// 30 hostile files under dir: 24 that cannot be indexed and 6 odd but valid pictures.
inline HostileSet make_hostile(const fs::path& dir) {
  HostileSet s;
  auto fail = [&](const std::string& name, const std::string& bytes) {
    write_bytes(dir / name, bytes);
    s.must_fail.push_back(dir / name);
  };
  const std::string tmp = (dir / "tmp-source.bin").string();
  fs::create_directories(dir);
  make_picture(3, 96, 80).jpegsave(tmp.c_str());
  const std::string jpg = read_bytes(tmp);
  make_picture(4, 96, 80).pngsave(tmp.c_str());
  const std::string png = read_bytes(tmp);
  make_picture(5, 96, 80).webpsave(tmp.c_str());
  const std::string webp = read_bytes(tmp);
  fs::remove(tmp);
  std::mt19937 rng(7);
  auto garbage = [&](size_t n) {
    std::string g(n, '\0');
    for (auto& c : g) c = static_cast<char>(rng() & 0xFF);
    return g;
  };
  // Zero-byte files (4).
  for (const char* n : {"empty.jpg", "empty.png", "empty.webp", "empty.gif"}) fail(n, "");
  // Truncated files (5).
  fail("trunc-half.jpg", jpg.substr(0, jpg.size() / 2));
  fail("trunc-header.jpg", jpg.substr(0, 20));
  fail("trunc-half.png", png.substr(0, png.size() / 2));
  fail("trunc-header.png", png.substr(0, 30));
  fail("trunc-half.webp", webp.substr(0, webp.size() / 2));
  // Corrupt: a real header followed by garbage (5).
  fail("corrupt1.jpg", jpg.substr(0, 200) + garbage(3000));
  fail("corrupt2.jpg", jpg.substr(0, 2) + garbage(4000));
  fail("corrupt1.png", png.substr(0, 8) + garbage(2000));
  fail("corrupt2.png", png.substr(0, 40) + garbage(2000));
  fail("corrupt.webp", webp.substr(0, 12) + garbage(1000));
  // Not images at all, with image extensions (5).
  fail("notes.jpg", "These are my holiday notes, not a picture.\n");
  fail("page.png", "<html><body>not a png</body></html>\n");
  fail("script.webp", "#!/bin/sh\necho hello\n");
  fail("random.tif", garbage(5000));
  fail("random.bmp", garbage(777));
  // Unreadable: dangling symlinks (3). (chmod 000 is no obstacle to root; the tests add one when not root.)
  for (const char* n : {"gone1.jpg", "gone2.png", "gone3.webp"}) {
    fs::create_symlink(dir / "does-not-exist" / n, dir / n);
    s.must_fail.push_back(dir / n);
  }
  // Headers claiming enormous dimensions (2).
  fail("huge.png", png_claiming(100000, 100000));
  fail("huge.jpg", jpeg_claiming(65000, 65000));

  // Odd but valid (6): 16-bit PNG, CMYK JPEG, animated GIF, greyscale, RGBA PNG, TIFF.
  auto odd = [&](const std::string& name) {
    s.odd_valid.push_back(dir / name);
    return (dir / name).string();
  };
  vips::VImage base = make_picture(6, 90, 70);
  (base.cast(VIPS_FORMAT_USHORT) * 257).cast(VIPS_FORMAT_USHORT).copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_RGB16))
      .pngsave(odd("deep16.png").c_str(), vips::VImage::option()->set("bitdepth", 16));
  make_picture(7, 90, 70)
      .icc_export(vips::VImage::option()->set("output_profile", "cmyk"))
      .jpegsave(odd("cmyk.jpg").c_str());
  {
    std::vector<vips::VImage> frames;
    for (int f = 0; f < 3; ++f) frames.push_back(make_picture(8 + f, 64, 48));
    vips::VImage strip = vips::VImage::arrayjoin(frames, vips::VImage::option()->set("across", 1)).copy();
    strip.set("page-height", 48);
    strip.set("delay", std::vector<int>{100, 100, 100});
    strip.set("loop", 0);
    strip.gifsave(odd("anim.gif").c_str());
  }
  make_picture(11, 80, 80).colourspace(VIPS_INTERPRETATION_B_W).jpegsave(odd("grey.jpg").c_str());
  make_picture(12, 80, 60).bandjoin(128.0).cast(VIPS_FORMAT_UCHAR).pngsave(odd("alpha.png").c_str());
  make_picture(13, 72, 72).tiffsave(odd("plain.tif").c_str());
  return s;
}

}  // namespace lingbi::test
