// Random-weight dual encoders at the real base sizes of the three families, both towers, for
// bench_clip_families: OpenAI CLIP ViT-B/32 (text 512 wide, 12 blocks), Chinese-CLIP ViT-B/16
// (chinese-clip-vit-base-patch16: RoBERTa-wwm-base text, 768 wide, 12 blocks) and SigLIP base
// patch16-224 (768 wide, 12 blocks in both towers, 64 text positions). Vocabularies are the tiny
// fixtures' (embedding lookups cost nothing next to the blocks).
#pragma once

#include <filesystem>
#include <string>

namespace lingbi::bench {

// dir/FAMILY-base-TYPE.gguf (FAMILY: clip, chinese_clip, siglip; TYPE: f32, f16, q8_0), written and
// converted the first time it is asked for and reused afterwards.
std::filesystem::path base_model_gguf(const std::filesystem::path& dir, const std::string& family, const std::string& type);

}  // namespace lingbi::bench
