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

}  // namespace lingbi::clip_format
