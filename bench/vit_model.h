// A CLIP image tower of ViT-B/32 size (hidden 768, 12 heads, 12 blocks, 224 px, patch 32,
// projection 512) with seeded random weights: the real architecture and cost, random values.
// Shared by the benchmarks that need a realistic encoder (bench_clip, bench_gallery_ingest).
#pragma once

#include <filesystem>
#include <string>

namespace lingbi::bench {

// dir/vit-b32-hf/: the Hugging Face checkpoint (written once, seed 1, no text tower).
std::filesystem::path vit_b32_hf(const std::filesystem::path& dir);

// dir/vit-b32-TYPE.gguf (TYPE: f32, f16 or q8_0), converted from vit_b32_hf(dir) the first time
// it is asked for and reused afterwards. Returns its path.
std::filesystem::path vit_b32_gguf(const std::filesystem::path& dir, const std::string& type);

}  // namespace lingbi::bench
