// Tiny random-weight GGUF models for tests: real architectures and tokenizers, noise for weights.
#pragma once

#include <cstdint>
#include <filesystem>

namespace lingbi::dev {

// Shape of the tiny text model (qwen2). The mmproj's output width must equal `embedding`.
struct TinyLlmShape {
  uint32_t embedding = 64;
  uint32_t blocks = 2;
  uint32_t heads = 4;
  uint32_t kv_heads = 2;
  uint32_t feed_forward = 128;
  uint32_t context = 4096;
};

// Writes `path`: a qwen2 model of `shape` with seeded random weights, carrying the tokenizer keys
// and chat template of the GGUF at `vocab` (llama.cpp's models/ggml-vocab-qwen2.gguf).
// Deterministic for a seed. Throws lingbi::Error when `vocab` cannot be read or `path` written.
void write_tiny_llm(const std::filesystem::path& path, const std::filesystem::path& vocab, uint64_t seed,
                    const TinyLlmShape& shape = {});

// Writes `path`: a LLaVA-style mtmd projector ("mlp": a 2-block CLIP ViT on 32x32 images with
// 8x8 patches, then mm.0/mm.2) whose image embeddings are `text_embedding` wide, so it fits a
// text model of that width. Each image becomes 16 tokens. Deterministic for a seed.
void write_tiny_mmproj(const std::filesystem::path& path, uint64_t seed, uint32_t text_embedding = 64);

// Writes `path`: a PNG of width x height pixels (a colour gradient) for tests that need an image file.
void write_test_image(const std::filesystem::path& path, int width = 48, int height = 32);

// Image tokens per image of the projector write_tiny_mmproj writes.
inline constexpr int kTinyMmprojImageTokens = 16;

}  // namespace lingbi::dev
