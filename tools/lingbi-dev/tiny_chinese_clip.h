// Tiny random-weight Chinese-CLIP fixtures (ChineseCLIPModel: a CLIP ViT and a BERT text tower with a
// WordPiece vocabulary), in Hugging Face's layout and as a GGUF.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lingbi::dev {

struct TinyChineseClipOptions {
  // Text tower (BERT). The defaults are the tiny fixture; the real base size (chinese-clip-vit-base-
  // patch16) is 768, 12, 3072, 12, max positions 512, with a 21128-token vocabulary.
  int text_hidden = 64, text_heads = 4, text_ff = 128, text_layers = 2, max_positions = 64;
  int vocab_size = 0;  // 0: the hand-made vocabulary only; more: padded with "[unusedN]" tokens
  // Vision tower (CLIP ViT); base patch16 is 768, 12, 3072, 12, 224 px, patch 16, projection 512.
  int vision_hidden = 96, vision_heads = 4, vision_ff = 192, vision_layers = 2, image_size = 32, patch_size = 8;
  int projection = 32;
  bool lower_case = true;
};

// The hand-made vocabulary of the tiny fixture, in id order (vocab.txt's lines).
std::vector<std::string> tiny_chinese_clip_vocab();

// Writes folder/ as a Hugging Face Chinese-CLIP checkpoint: config.json (model_type chinese_clip),
// model.safetensors (f32, transformers' tensor names, token types and the pooler included),
// vocab.txt, tokenizer_config.json (BertTokenizer) and preprocessor_config.json
// (ChineseCLIPImageProcessor: height and width, OpenAI's mean and std). Same seed, same bytes.
void write_tiny_chinese_clip_hf(const std::filesystem::path& folder, uint32_t seed,
                                const TinyChineseClipOptions& options = {});

// Writes dir/chinese-clip-hf/ (above) and dir/chinese-clip.gguf (converted with f32 weights).
void write_tiny_chinese_clip(const std::filesystem::path& dir, uint32_t seed);

}  // namespace lingbi::dev
