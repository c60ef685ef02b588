#include "clip_format.h"

namespace lingbi::clip_format {

namespace {
void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}
}  // namespace

std::string gguf_tensor_name(const std::string& hf_name) {
  if (hf_name.find("projection") != std::string::npos) return hf_name;
  std::string s = hf_name;
  // Same replacements, same order, as clip.cpp's converter.
  static const std::pair<const char*, const char*> rules[] = {
      {"text_model", "t"},     {"vision_model", "v"},       {"encoder.layers", "blk"},
      {"embeddings.", ""},     {"_proj", ""},               {"self_attn.", "attn_"},
      {"layer_norm", "ln"},    {"layernorm", "ln"},         {"mlp.fc1", "ffn_down"},
      {"mlp.fc2", "ffn_up"},   {"embedding", "embd"},       {"final", "post"},
      {"layrnorm", "ln"}};
  for (const auto& [from, to] : rules) replace_all(s, from, to);
  return s;
}

std::string siglip_tensor_name(const std::string& hf_name) {
  if (hf_name == "logit_scale" || hf_name == "logit_bias") return "";
  if (hf_name == "vision_model.head.attention.in_proj_weight") return "v.head.attn_qkv.weight";
  if (hf_name == "vision_model.head.attention.in_proj_bias") return "v.head.attn_qkv.bias";
  if (hf_name == "vision_model.head.attention.out_proj.weight") return "v.head.attn_out.weight";
  if (hf_name == "vision_model.head.attention.out_proj.bias") return "v.head.attn_out.bias";
  return gguf_tensor_name(hf_name);
}

std::string chinese_clip_tensor_name(const std::string& hf_name) {
  const std::string text = "text_model.";
  if (hf_name.rfind(text, 0) != 0) return gguf_tensor_name(hf_name);
  std::string s = hf_name.substr(text.size());
  if (s.rfind("pooler.", 0) == 0 || s.rfind("embeddings.token_type_embeddings", 0) == 0) return "";
  static const std::pair<const char*, const char*> rules[] = {
      {"embeddings.word_embeddings", "token_embd"}, {"embeddings.position_embeddings", "position_embd"},
      {"embeddings.LayerNorm", "embd_ln"},          {"encoder.layer.", "blk."},
      {"attention.self.query", "attn_q"},           {"attention.self.key", "attn_k"},
      {"attention.self.value", "attn_v"},           {"attention.output.dense", "attn_out"},
      {"attention.output.LayerNorm", "ln1"},        {"intermediate.dense", "ffn_down"},
      {"output.dense", "ffn_up"},                   {"output.LayerNorm", "ln2"}};
  for (const auto& [from, to] : rules) replace_all(s, from, to);
  return "t." + s;
}

}  // namespace lingbi::clip_format
