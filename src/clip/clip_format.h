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
// lingbi's additions for the model families (docs/clip.md): absent means OpenAI CLIP.
inline constexpr const char* kKeyFamily = "clip.family";              // "clip", "chinese_clip", "siglip"
inline constexpr const char* kKeyMultilingual = "clip.multilingual";  // bool
inline constexpr const char* kKeyStretch = "clip.vision.stretch";     // bool: resize to a square, no crop
inline constexpr const char* kKeyLowerCase = "clip.text.do_lower_case";    // WordPiece
inline constexpr const char* kKeyStripAccents = "clip.text.strip_accents";  // WordPiece
// SigLIP: the activation ("gelu_pytorch_tanh"; absent: clip.use_gelu decides), the sigmoid's scale
// (already exponentiated) and bias, and the SentencePiece tokenizer.
inline constexpr const char* kKeyHiddenAct = "clip.hidden_act";
inline constexpr const char* kKeyLogitScale = "clip.logit_scale";
inline constexpr const char* kKeyLogitBias = "clip.logit_bias";
inline constexpr const char* kKeySpmModel = "tokenizer.sentencepiece.model";  // the .model file's bytes
inline constexpr const char* kKeyRemovePunctuation = "clip.text.remove_punctuation";  // SiglipTokenizer's canonicalize
inline constexpr const char* kKeyAddBos = "clip.text.add_bos";
inline constexpr const char* kKeyAddEos = "clip.text.add_eos";
inline constexpr const char* kKeyBosToken = "clip.text.bos_token";
inline constexpr const char* kKeyEosToken = "clip.text.eos_token";
inline constexpr const char* kKeyPadToken = "clip.text.pad_token";

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

// Chinese-CLIP's BERT text tower ("text_model.encoder.layer.N.attention.self.query" ->
// "t.blk.N.attn_q", ...); other names as gguf_tensor_name. Empty for tensors not stored (the pooler,
// and token_type_embeddings, whose row 0 the converter adds into the position embeddings).
std::string chinese_clip_tensor_name(const std::string& hf_name);

// SiglipModel: as gguf_tensor_name, with the pooling head's fused attention input as
// "v.head.attn_qkv.{weight,bias}", its output as "v.head.attn_out", the text head "t.head";
// logit_scale and logit_bias are keys, not tensors (empty).
std::string siglip_tensor_name(const std::string& hf_name);

}  // namespace lingbi::clip_format
