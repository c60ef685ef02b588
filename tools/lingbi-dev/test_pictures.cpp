#include "test_pictures.h"

#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include "lingbi/util/vips_init.h"

namespace lingbi::dev {

namespace fs = std::filesystem;

// Picture number `i`: a different mix of background gradient, shapes and noise for each i.
vips::VImage make_picture(int i, int w, int h) {
  ensure_vips();
  std::mt19937 rng(1000 + i);
  std::uniform_real_distribution<double> u(0, 255);
  vips::VImage xy = vips::VImage::xyz(w, h);
  vips::VImage x = xy.extract_band(0), y = xy.extract_band(1);
  const double c0[3] = {u(rng), u(rng), u(rng)}, c1[3] = {u(rng), u(rng), u(rng)};
  const bool vertical = i % 2;
  vips::VImage t = (vertical ? y : x) / double(vertical ? h : w);
  std::vector<vips::VImage> bands;
  for (int b = 0; b < 3; ++b) bands.push_back(t * (c1[b] - c0[b]) + c0[b]);
  vips::VImage img = vips::VImage::bandjoin(bands);
  const int shapes = 1 + i % 4;
  for (int s = 0; s < shapes; ++s) {
    std::vector<double> ink = {u(rng), u(rng), u(rng)};
    const int cx = static_cast<int>(u(rng) / 255 * w), cy = static_cast<int>(u(rng) / 255 * h);
    const int r = 4 + static_cast<int>(u(rng) / 255 * w / 3);
    vips::VImage mask = (i + s) % 2 ? ((x - cx) * (x - cx) + (y - cy) * (y - cy) < double(r * r))
                                    : ((x >= cx - r) & (x < cx + r) & (y >= cy - r / 2) & (y < cy + r / 2));
    img = mask.ifthenelse(img.new_from_image(ink), img);
  }
  if (i % 3 == 0) img = img + vips::VImage::gaussnoise(w, h, vips::VImage::option()->set("sigma", 12.0)->set("mean", 0.0));
  return img.cast(VIPS_FORMAT_UCHAR);
}

void save_picture(const vips::VImage& img, const fs::path& p) {
  fs::create_directories(p.parent_path());
  const std::string ext = p.extension().string();
  if (ext == ".png")
    img.pngsave(p.c_str());
  else if (ext == ".webp")
    img.webpsave(p.c_str(), vips::VImage::option()->set("Q", 90));
  else
    img.jpegsave(p.c_str(), vips::VImage::option()->set("Q", 90));
}

// Writes pictures first..first+n-1 under dir/sub{i%5}/ as pic{i}.{jpg,png,webp}; returns paths.
std::vector<fs::path> make_pictures(const fs::path& dir, int first, int n, int min_side, int max_side) {
  static const char* kExt[] = {".jpg", ".png", ".webp"};
  std::vector<fs::path> out;
  for (int i = first; i < first + n; ++i) {
    const int w = min_side + (i * 7) % (max_side - min_side + 1), h = min_side + (i * 13) % (max_side - min_side + 1);
    const fs::path p = dir / ("sub" + std::to_string(i % 5)) / ("pic" + std::to_string(i) + kExt[i % 3]);
    save_picture(make_picture(i, w, h), p);
    out.push_back(p);
  }
  return out;
}

void add_make_test_pictures_command(CLI::App& app) {
  struct Options {
    std::string dir;
    int count = 200;
    int min_side = 160, max_side = 480;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("make-test-pictures",
                                 "Write COUNT generated pictures (JPEG, PNG, WebP; gradients, shapes, noise) into DIR, "
                                 "a stand-in photo library for trying lingbi index and compose");
  cmd->add_option("dir", o->dir, "Output directory (created if missing)")->required();
  cmd->add_option("-n,--count", o->count, "How many pictures")->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--min-side", o->min_side, "Smallest side in pixels")->capture_default_str()->check(CLI::Range(8, 8192));
  cmd->add_option("--max-side", o->max_side, "Largest side in pixels")->capture_default_str()->check(CLI::Range(8, 8192));
  cmd->callback([o] {
    const int hi = std::max(o->min_side, o->max_side);
    auto paths = make_pictures(o->dir, 0, o->count, o->min_side, hi);
    std::printf("wrote %zu pictures in %s\n", paths.size(), o->dir.c_str());
  });
}

}  // namespace lingbi::dev
