// Tiny random-weight SigLIP fixtures (SiglipModel: a ViT with the attention-pooling head and a text
// tower pooled at its last position), with a SentencePiece model trained here on a small Chinese
// and English corpus, in Hugging Face's layout and as a GGUF.
#pragma once

#include <cstdint>
#include <filesystem>

namespace lingbi::dev {

struct TinySiglipOptions {
  // false: SigLIP (spiece.model read by SiglipTokenizer: </s> ends and pads);
  // true: SigLIP 2's layout (tokenizer.model read by GemmaTokenizer: <bos> first, <eos> last, <pad>).
  bool siglip2 = false;
  // The defaults are the tiny fixture; siglip-base-patch16-224 is 768 wide, 12 heads, 3072, 12 blocks
  // in both towers, 224 px, patch 16, 64 positions, 32000 tokens (SigLIP 2: 256000).
  int hidden = 64, heads = 4, ff = 128, layers = 2, positions = 16;
  int vision_hidden = 96, vision_heads = 4, vision_ff = 192, vision_layers = 2, image_size = 32, patch_size = 8;
  int vocab_size = 0;  // 0: the trained SentencePiece model's size (about 200); else the embedding rows
};

// Writes folder/ as a Hugging Face SigLIP checkpoint: config.json (model_type siglip),
// model.safetensors (transformers' names: the head's probe and nn.MultiheadAttention in_proj,
// logit_scale, logit_bias), the SentencePiece model, tokenizer_config.json and
// preprocessor_config.json (SiglipImageProcessor: height and width, mean and std 0.5). Same seed,
// same bytes.
void write_tiny_siglip_hf(const std::filesystem::path& folder, uint32_t seed, const TinySiglipOptions& options = {});

// Writes dir/siglip-hf/ (above) and dir/siglip.gguf (converted with f32 weights).
void write_tiny_siglip(const std::filesystem::path& dir, uint32_t seed);

}  // namespace lingbi::dev
