// Tiny random-weight CLIP fixtures: a Hugging Face-format folder and its GGUF conversion.
#pragma once

#include <cstdint>
#include <filesystem>

namespace lingbi::dev {

struct TinyClipOptions {
  bool use_gelu = false;  // hidden_act "gelu" instead of "quick_gelu"
  bool text = true;       // include the text tower
  bool vision = true;     // include the vision tower
  // Vision tower size (the defaults are the tiny fixture; ViT-B/32 is 768, 12, 3072, 12, 224, 32
  // with projection 512), for benchmarks.
  int vision_hidden = 96, vision_heads = 4, vision_ff = 192, vision_layers = 2, image_size = 32, patch_size = 8;
  int projection = 32;
  // Text tower size (ViT-B/32's is 512, 8, 2048, 12).
  int text_hidden = 64, text_heads = 4, text_ff = 128, text_layers = 2;
  // Matrices drawn with spread 1/sqrt(fan-in), as standard initialisations, instead of the fixtures'
  // fixed 0.15: at real widths the fixed spread makes a chaotic network (at ViT-B/32 size rounding
  // the weights to f16 alone moved its embeddings to cosine 0.98), so a benchmark that measures what
  // a weight type costs in quality needs this.
  bool fan_in_scale = false;
};

// Writes folder/ as a Hugging Face CLIP checkpoint: config.json, model.safetensors (f32, standard
// HF tensor names), vocab.json and merges.txt (CLIP-like: 256 byte tokens, 256 byte+"</w>" tokens,
// the merges' results, <|startoftext|>, <|endoftext|>), preprocessor_config.json. Text: hidden 64,
// 4 heads, feed-forward 128, 2 blocks, context 77. Vision: hidden 96, 4 heads, feed-forward 192,
// 2 blocks, image 32 px, patch 8. Projection 32. Same seed, same bytes.
void write_tiny_clip_hf(const std::filesystem::path& folder, uint32_t seed, const TinyClipOptions& options = {});

// Writes dir/clip-hf/ (above) and dir/clip.gguf (that folder converted with f32 weights).
void write_tiny_clip(const std::filesystem::path& dir, uint32_t seed);

// The merge rules of the tiny vocabulary, in rank order ("a b").
const char* const* tiny_clip_merges(size_t* count);

}  // namespace lingbi::dev
