// The encoder the gallery tests index with. It is the tiny CLIP model once the clip branch is in;
// until then a deterministic pixel encoder stands in (downsampled pixels through a fixed random
// projection), which exercises the same pipeline without saying anything about CLIP.
#pragma once

#include <vips/vips8>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lingbi/gallery_embedder.h"
#include "lingbi/hash.h"

namespace lingbi::test {

class PixelEmbedder : public ImageEmbedder {
 public:
  static constexpr int kSide = 8, kDim = 48;
  PixelEmbedder() : projection_(kDim * 3 * kSide * kSide) {
    std::mt19937 rng(42);
    std::normal_distribution<float> normal;
    for (auto& w : projection_) w = normal(rng);
  }
  std::string name() const override { return "pixel-test"; }
  std::string content_hash() const override { return "00000000000000000000000000pixel1"; }
  int dim() const override { return kDim; }
  int image_size() const override { return 32; }
  PreparedImage prepare(const vips::VImage& image) const override {
    vips::VImage small = image.thumbnail_image(kSide, vips::VImage::option()->set("height", kSide)->set("size", VIPS_SIZE_FORCE));
    size_t n = 0;
    std::unique_ptr<void, decltype(&g_free)> mem(small.write_to_memory(&n), g_free);
    PreparedImage p;
    p.size = kSide;
    const auto* px = static_cast<const unsigned char*>(mem.get());
    for (size_t i = 0; i < n; ++i) p.pixels.push_back(px[i] / 255.0f - 0.5f);
    return p;
  }
  std::vector<std::vector<float>> embed_images(std::vector<PreparedImage> images) override {
    std::vector<std::vector<float>> out;
    for (const auto& im : images) out.push_back(project(im.pixels));
    return out;
  }
  std::vector<float> embed_text(const std::string& text) override {
    std::mt19937 rng(static_cast<unsigned>(xxh3_64(text)));
    std::normal_distribution<float> normal;
    std::vector<float> v(kDim);
    for (auto& x : v) x = normal(rng);
    return normalise(v);
  }

 private:
  static std::vector<float> normalise(std::vector<float> v) {
    double s = 0;
    for (float x : v) s += double(x) * x;
    const float inv = s > 0 ? static_cast<float>(1 / std::sqrt(s)) : 0;
    for (auto& x : v) x *= inv;
    return v;
  }
  std::vector<float> project(const std::vector<float>& px) const {
    std::vector<float> v(kDim, 0);
    for (int d = 0; d < kDim; ++d)
      for (size_t i = 0; i < px.size() && i < 3 * kSide * kSide; ++i) v[d] += projection_[d * 3 * kSide * kSide + i] * px[i];
    return normalise(v);
  }
  std::vector<float> projection_;
};

inline std::unique_ptr<ImageEmbedder> make_test_embedder() { return std::make_unique<PixelEmbedder>(); }

}  // namespace lingbi::test
