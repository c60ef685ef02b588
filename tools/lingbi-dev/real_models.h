// Random-weight models with the exact architecture, dimensions, tokenizer and chat template of
// real ones, for benchmarks at the sizes users run (speed does not depend on weight values).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lingbi/util/ggml_handles.h"

namespace lingbi::dev {

// The text model: a qwen2-family decoder.
struct TextShape {
  std::string arch;          // "qwen2" or "qwen2vl" (M-RoPE, for Qwen2.5-VL)
  int64_t vocab;             // rows of the embedding and output matrices (the tokenizer is padded to it)
  int64_t embedding, blocks, heads, kv_heads, feed_forward, context;
  bool tied;                 // the output matrix is the token embedding (no output.weight)
  std::vector<int32_t> rope_sections;  // M-RoPE sections (qwen2vl only)
};

// The vision tower and merger of a Qwen2.5-VL mmproj (clip.projector_type "qwen2.5vl_merger").
struct VisionShape {
  int64_t embedding, blocks, heads, feed_forward, patch, image, window_pattern, merge;
};

struct RealModel {
  std::string name;         // --like NAME
  std::string description;  // the model it copies
  TextShape text;
  std::optional<VisionShape> vision;
};

// Every model make-model can imitate.
const std::vector<RealModel>& real_models();

// The model called `name`; throws lingbi::Error listing the known names otherwise.
const RealModel& real_model(const std::string& name);

// Writes the text model with its matrices in `matrices` (f16, or q8_0: half the bytes, as the input
// of a further quantisation; norms and biases f32), seeded random weights, and the tokenizer and
// chat template of the GGUF at `vocab`, streaming, so memory stays small.
void write_real_text_model(const std::filesystem::path& path, const RealModel& model, const std::filesystem::path& vocab,
                           uint64_t seed, ggml_type matrices = GGML_TYPE_F16);

// Writes the model's mmproj in f16 (the vision tower and merger). Throws lingbi::Error when the
// model has no vision part.
void write_real_mmproj(const std::filesystem::path& path, const RealModel& model, uint64_t seed);

}  // namespace lingbi::dev
