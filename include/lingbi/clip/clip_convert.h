// Converting a Hugging Face CLIP checkpoint folder to a GGUF in clip.cpp's layout, without Python.
#pragma once

#include <string>

namespace lingbi {

enum class ClipWeightType { F32, F16, Q8_0 };

// Parses "f32", "f16" or "q8_0"; throws lingbi::Error otherwise.
ClipWeightType parse_clip_weight_type(const std::string& name);

// Reads hf_dir (config.json, model.safetensors, vocab.json, merges.txt, preprocessor_config.json)
// and writes out_path. Matrices take `type` (f16: as clip.cpp; q8_0: where rows allow, else f16);
// biases, norms and the class embedding stay f32; the patch embedding is f32 for f32, else f16.
// The token list is written in id order, plus the merges under tokenizer.ggml.merges.
// Throws lingbi::Error naming the file that is missing or wrong.
void convert_clip_hf(const std::string& hf_dir, const std::string& out_path, ClipWeightType type);

}  // namespace lingbi
