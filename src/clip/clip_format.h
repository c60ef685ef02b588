// Names of the GGUF keys and tensors in clip.cpp's layout (monatis/clip.cpp), shared by the loader
// and the converter so the two cannot drift apart.
#pragma once

#include <string>

namespace lingbi::clip_format {

inline constexpr const char* kArchitecture = "clip";
inline constexpr const char* kKeyArchitecture = "general.architecture";
inline constexpr const char* kKeyName = "general.name";
inline constexpr const char* kKeyDescription = "general.description";
inline constexpr const char* kKeyFileType = "general.file_type";
inline constexpr const char* kKeyHasText = "clip.has_text_encoder";
inline constexpr const char* kKeyHasVision = "clip.has_vision_encoder";
inline constexpr const char* kKeyUseGelu = "clip.use_gelu";
inline constexpr const char* kKeyTokens = "tokenizer.ggml.tokens";
// Not written by clip.cpp's converter; lingbi's converter adds the BPE merges ("a b" per rule) here.
inline constexpr const char* kKeyMerges = "tokenizer.ggml.merges";
inline constexpr const char* kKeyImageSize = "clip.vision.image_size";
inline constexpr const char* kKeyPatchSize = "clip.vision.patch_size";
inline constexpr const char* kKeyImageMean = "clip.vision.image_mean";
inline constexpr const char* kKeyImageStd = "clip.vision.image_std";

// Per-tower keys: prefix is "clip.text" or "clip.vision".
inline std::string key_context_length(const std::string& p) { return p + ".context_length"; }
inline std::string key_embedding_length(const std::string& p) { return p + ".embedding_length"; }
inline std::string key_feed_forward_length(const std::string& p) { return p + ".feed_forward_length"; }
inline std::string key_head_count(const std::string& p) { return p + ".attention.head_count"; }
inline std::string key_layer_norm_eps(const std::string& p) { return p + ".attention.layer_norm_epsilon"; }
inline std::string key_block_count(const std::string& p) { return p + ".block_count"; }
inline std::string key_projection_dim(const std::string& p) { return p + ".projection_dim"; }

// The renaming clip.cpp's converter applies to Hugging Face tensor names ("text_model." -> "t.",
// "encoder.layers" -> "blk", "mlp.fc1" -> "ffn_down", ...); names with "projection" are kept.
std::string gguf_tensor_name(const std::string& hf_name);

}  // namespace lingbi::clip_format
