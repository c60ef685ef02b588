// Converting a Hugging Face CLIP, Chinese-CLIP or SigLIP checkpoint folder to a GGUF in clip.cpp's
// layout, without Python.
#pragma once

#include <string>

namespace lingbi {

enum class ClipWeightType { F32, F16, BF16, Q8_0 };

// Parses "f32", "f16", "bf16" or "q8_0"; throws lingbi::Error otherwise.
ClipWeightType parse_clip_weight_type(const std::string& name);

// Reads hf_dir (config.json, whose model_type picks the family: clip, chinese_clip or siglip;
// model.safetensors; preprocessor_config.json; the tokenizer files: vocab.json and merges.txt for
// CLIP, vocab.txt and tokenizer_config.json for Chinese-CLIP, spiece.model or tokenizer.model and
// tokenizer_config.json for SigLIP) and writes out_path, recording the family (docs/clip.md).
// Matrices take `type` (f16: as clip.cpp; bf16: all but the token and position embeddings, which
// stay f16; q8_0: where rows allow, else f16); biases, norms and the class embedding stay f32; the
// patch embedding is f32 for f32, else f16. CLIP's token list is
// written in id order plus its merges; WordPiece's vocabulary in line order; SentencePiece's model
// as its bytes.
// Throws lingbi::Error naming the file that is missing or wrong.
void convert_clip_hf(const std::string& hf_dir, const std::string& out_path, ClipWeightType type);

}  // namespace lingbi
