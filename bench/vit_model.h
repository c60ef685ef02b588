// CLIP image towers at real sizes (ViT-B/32 at 224 px, ViT-L/14 at 336 px) with seeded random
// weights: the real architecture and cost, random values. Matrices are drawn with spread
// 1/sqrt(fan-in), so that the cosine between a weight type's embeddings and f32's measures rounding,
// not the chaos of a badly scaled random network. Shared by the benchmarks that need a realistic
// encoder (bench_clip, bench_gallery_ingest) and read by bench/clip_*_baseline.py.
#pragma once

#include <filesystem>
#include <string>

namespace lingbi::bench {

struct VitSize {
  const char* name;  // file names under the bench folder: NAME-hf/, NAME-TYPE.gguf
  int hidden, heads, ff, layers, image_size, patch_size, projection;
};

inline constexpr VitSize kVitB32{"clip-vit-b32", 768, 12, 3072, 12, 224, 32, 512};
inline constexpr VitSize kVitL14_336{"clip-vit-l14-336", 1024, 16, 4096, 24, 336, 14, 768};

// The size named by $LINGBI_BENCH_VIT: b32 (the default) or l14-336; exits with a message on
// anything else.
const VitSize& vit_from_env();

// dir/NAME-hf/: the Hugging Face checkpoint (written once, seed 1, no text tower).
std::filesystem::path vit_hf(const std::filesystem::path& dir, const VitSize& size);

// dir/NAME-TYPE.gguf (TYPE: f32, f16, bf16 or q8_0), converted from vit_hf(dir, size) the first
// time it is asked for and reused afterwards. Returns its path.
std::filesystem::path vit_gguf(const std::filesystem::path& dir, const VitSize& size, const std::string& type);

// Multiply-adds of one image, counted as 2 FLOPs: patch embedding, blocks, projection.
double vit_flops_per_image(const VitSize& size);

}  // namespace lingbi::bench
