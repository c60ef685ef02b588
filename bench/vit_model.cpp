#include "vit_model.h"

#include <cstdio>
#include <cstdlib>

#include "lingbi/clip/clip_convert.h"
#include "tiny_clip.h"

namespace lingbi::bench {

namespace fs = std::filesystem;

const VitSize& vit_from_env() {
  const char* v = std::getenv("LINGBI_BENCH_VIT");
  if (!v || !*v || std::string(v) == "b32") return kVitB32;
  if (std::string(v) == "l14-336") return kVitL14_336;
  std::fprintf(stderr, "LINGBI_BENCH_VIT is \"%s\": use b32 or l14-336\n", v);
  std::exit(2);
}

fs::path vit_hf(const fs::path& dir, const VitSize& size) {
  const fs::path folder = dir / (std::string(size.name) + "-hf");
  if (!fs::exists(folder / "model.safetensors")) {
    dev::TinyClipOptions o;
    o.text = false;
    o.vision_hidden = size.hidden;
    o.vision_heads = size.heads;
    o.vision_ff = size.ff;
    o.vision_layers = size.layers;
    o.image_size = size.image_size;
    o.patch_size = size.patch_size;
    o.projection = size.projection;
    o.fan_in_scale = true;
    dev::write_tiny_clip_hf(folder, 1, o);
  }
  return folder;
}

fs::path vit_gguf(const fs::path& dir, const VitSize& size, const std::string& type) {
  const std::string stem = std::string(size.name) + "-" + type;
  const fs::path gguf = dir / (stem + ".gguf");
  if (!fs::exists(gguf)) {
    // Written under another name first, so that an interrupted run leaves no half file behind.
    const fs::path part = dir / (stem + ".gguf.part");
    convert_clip_hf(vit_hf(dir, size).string(), part.string(), parse_clip_weight_type(type));
    fs::rename(part, gguf);
  }
  return gguf;
}

double vit_flops_per_image(const VitSize& s) {
  const double e = s.hidden, ff = s.ff, side = s.image_size / s.patch_size, n = side * side + 1;
  const double kp = 3.0 * s.patch_size * s.patch_size;
  const double block = 2 * n * e * (4 * e) + 2 * 2 * n * n * e + 2 * n * e * (2 * ff);
  return 2 * (n - 1) * kp * e + s.layers * block + 2 * e * s.projection;
}

}  // namespace lingbi::bench
