// Hugging Face CLIP folder -> GGUF in clip.cpp's layout (keys and tensor names in clip_format.h).
#include "lingbi/clip/clip_convert.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "clip_format.h"
#include "clip_weights.h"
#include "lingbi/clip/clip.h"
#include "lingbi/util/error.h"
#include "safetensors.h"

namespace lingbi {

using namespace clip;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& p, bool required) {
  std::ifstream in(p);
  if (!in) {
    if (!required) return json::object();
    throw Error("cannot read " + p.string() + ": a Hugging Face CLIP folder needs it");
  }
  try {
    return json::parse(in);
  } catch (const std::exception& e) {
    throw Error(p.string() + " is not valid JSON: " + e.what());
  }
}

// Value of key in the tower's config, else the transformers default for that tower.
template <typename T>
T cfg(const json& tower, const char* key, T fallback) {
  auto it = tower.find(key);
  return it == tower.end() || it->is_null() ? fallback : it->get<T>();
}

struct TowerConfig {
  uint32_t hidden, ff, heads, layers, proj;
  float eps;
  std::string act;
};

TowerConfig tower_config(const json& c, const json& root, bool text) {
  const uint32_t root_proj = cfg<uint32_t>(root, "projection_dim", 512);
  return {cfg<uint32_t>(c, "hidden_size", text ? 512 : 768), cfg<uint32_t>(c, "intermediate_size", text ? 2048 : 3072),
          cfg<uint32_t>(c, "num_attention_heads", text ? 8 : 12), cfg<uint32_t>(c, "num_hidden_layers", 12),
          cfg<uint32_t>(c, "projection_dim", root_proj), cfg<float>(c, "layer_norm_eps", 1e-5f),
          cfg<std::string>(c, "hidden_act", "quick_gelu")};
}

void set_tower(gguf_context* g, const std::string& prefix, const TowerConfig& t) {
  namespace f = clip_format;
  gguf_set_val_u32(g, f::key_embedding_length(prefix).c_str(), t.hidden);
  gguf_set_val_u32(g, f::key_feed_forward_length(prefix).c_str(), t.ff);
  gguf_set_val_u32(g, f::key_projection_dim(prefix).c_str(), t.proj);
  gguf_set_val_u32(g, f::key_head_count(prefix).c_str(), t.heads);
  gguf_set_val_f32(g, f::key_layer_norm_eps(prefix).c_str(), t.eps);
  gguf_set_val_u32(g, f::key_block_count(prefix).c_str(), t.layers);
}

std::vector<std::string> read_vocab(const fs::path& p) {
  const json v = read_json(p, true);
  if (!v.is_object() || v.empty()) throw Error(p.string() + " must map tokens to ids");
  std::vector<std::string> tokens(v.size());
  std::vector<bool> seen(v.size(), false);
  for (auto it = v.begin(); it != v.end(); ++it) {
    const int64_t id = it.value().get<int64_t>();
    if (id < 0 || id >= int64_t(tokens.size()) || seen[id])
      throw Error(p.string() + ": token ids must be 0.." + std::to_string(tokens.size() - 1) + " without gaps");
    tokens[id] = it.key();
    seen[id] = true;
  }
  return tokens;
}

// vocab.txt: one token per line, the line number its id.
std::vector<std::string> read_vocab_txt(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw Error("cannot read " + p.string() + ": a Hugging Face Chinese-CLIP folder needs it");
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    tokens.push_back(line);
  }
  if (tokens.empty()) throw Error(p.string() + " is empty: it should list the WordPiece vocabulary");
  return tokens;
}

std::vector<std::string> read_merges(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw Error("cannot read " + p.string() + ": a Hugging Face CLIP folder needs it");
  std::vector<std::string> merges;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    merges.push_back(line);
  }
  return merges;
}

// Storage type of one tensor, following clip.cpp's converter with bf16 and q8_0 added.
ggml_type storage_type(const std::string& name, const std::vector<int64_t>& ne, ClipWeightType type) {
  const bool matrix = ne.size() == 2 && name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
  if (ne.size() == 4) return type == ClipWeightType::F32 ? GGML_TYPE_F32 : GGML_TYPE_F16;
  if (!matrix || type == ClipWeightType::F32) return GGML_TYPE_F32;
  const bool embedding = name.find("embd") != std::string::npos;
  if (type == ClipWeightType::Q8_0 && !embedding && ne[0] % ggml_blck_size(GGML_TYPE_Q8_0) == 0) return GGML_TYPE_Q8_0;
  if (type == ClipWeightType::BF16 && !embedding) return GGML_TYPE_BF16;
  return GGML_TYPE_F16;
}

std::vector<uint8_t> encode(const std::vector<float>& v, ggml_type type, int64_t row) {
  std::vector<uint8_t> out(ggml_row_size(type, row) * (v.size() / row));
  if (type == GGML_TYPE_F32) std::memcpy(out.data(), v.data(), out.size());
  else if (type == GGML_TYPE_F16) ggml_fp32_to_fp16_row(v.data(), reinterpret_cast<ggml_fp16_t*>(out.data()), int64_t(v.size()));
  else if (type == GGML_TYPE_BF16) ggml_fp32_to_bf16_row_ref(v.data(), reinterpret_cast<ggml_bf16_t*>(out.data()), int64_t(v.size()));
  else ggml_quantize_chunk(type, v.data(), out.data(), 0, int64_t(v.size()) / row, row, nullptr);
  return out;
}

}  // namespace

ClipWeightType parse_clip_weight_type(const std::string& name) {
  if (name == "f32") return ClipWeightType::F32;
  if (name == "f16") return ClipWeightType::F16;
  if (name == "bf16") return ClipWeightType::BF16;
  if (name == "q8_0") return ClipWeightType::Q8_0;
  throw Error("unknown weight type \"" + name + "\": use f32, f16, bf16 or q8_0");
}

void convert_clip_hf(const std::string& hf_dir, const std::string& out_path, ClipWeightType type) {
  const fs::path dir(hf_dir);
  if (!fs::is_directory(dir)) throw Error(hf_dir + " is not a folder: give a Hugging Face CLIP checkpoint folder");
  const json config = read_json(dir / "config.json", true);
  const json pre = read_json(dir / "preprocessor_config.json", false);
  if (!fs::exists(dir / "model.safetensors"))
    throw Error(hf_dir + " has no model.safetensors (pytorch_model.bin is not supported): download the safetensors weights");
  SafetensorsFile st((dir / "model.safetensors").string());

  const std::string model_type = cfg<std::string>(config, "model_type", "clip");
  ClipFamily family;
  if (model_type == "clip") family = ClipFamily::clip;
  else if (model_type == "chinese_clip") family = ClipFamily::chinese_clip;
  else if (model_type == "siglip") family = ClipFamily::siglip;
  else
    throw Error(hf_dir + "/config.json has model_type \"" + model_type +
                "\": lingbi converts clip, chinese_clip and siglip (SigLIP and fixed-resolution SigLIP 2) checkpoints");
  const bool chinese = family == ClipFamily::chinese_clip;
  const bool siglip = family == ClipFamily::siglip;

  bool has_text = false, has_vision = false;
  for (const auto& [name, info] : st.tensors()) {
    has_text |= name.rfind("text_model.", 0) == 0;
    has_vision |= name.rfind("vision_model.", 0) == 0;
  }
  if (!has_text && !has_vision) throw Error(hf_dir + "/model.safetensors holds no CLIP text_model or vision_model tensors");

  GgufPtr g(gguf_init_empty());
  namespace f = clip_format;
  gguf_set_val_str(g.get(), f::kKeyArchitecture, f::kArchitecture);
  // "_name_or_path" is a hub id ("openai/clip-vit-base-patch32") or, for local saves, a path: then
  // the folder's name says more.
  std::string name = cfg<std::string>(config, "_name_or_path", cfg<std::string>(config, "name_or_path", ""));
  if (!name.empty() && (name[0] == '/' || name[0] == '.' || name[0] == '~')) name.clear();
  if (name.empty()) name = fs::absolute(dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  gguf_set_val_str(g.get(), f::kKeyName, name.c_str());
  gguf_set_val_str(g.get(), f::kKeyDescription,
                   has_text && has_vision ? "two-tower CLIP model" : has_text ? "text-only CLIP model" : "vision-only CLIP model");
  // llama.cpp's file type numbers (LLAMA_FTYPE_ALL_F32, MOSTLY_F16, MOSTLY_BF16, MOSTLY_Q8_0).
  const uint32_t file_type = type == ClipWeightType::F32 ? 0 : type == ClipWeightType::F16 ? 1 : type == ClipWeightType::BF16 ? 32 : 7;
  gguf_set_val_u32(g.get(), f::kKeyFileType, file_type);
  gguf_set_val_bool(g.get(), f::kKeyHasText, has_text);
  gguf_set_val_bool(g.get(), f::kKeyHasVision, has_vision);
  gguf_set_val_str(g.get(), f::kKeyFamily, clip_family_name(family));
  if (!siglip) gguf_set_val_bool(g.get(), f::kKeyMultilingual, chinese);

  const json tc = config.value("text_config", json::object()), vc = config.value("vision_config", json::object());
  if (has_text && siglip) {
    // transformers' SiglipTextConfig defaults; the head's output size is projection_size.
    const uint32_t hidden = cfg<uint32_t>(tc, "hidden_size", 768);
    TowerConfig t{hidden, cfg<uint32_t>(tc, "intermediate_size", 3072), cfg<uint32_t>(tc, "num_attention_heads", 12),
                  cfg<uint32_t>(tc, "num_hidden_layers", 12), cfg<uint32_t>(tc, "projection_size", hidden),
                  cfg<float>(tc, "layer_norm_eps", 1e-6f), cfg<std::string>(tc, "hidden_act", "gelu_pytorch_tanh")};
    gguf_set_val_u32(g.get(), f::key_context_length("clip.text").c_str(), cfg<uint32_t>(tc, "max_position_embeddings", 64));
    set_tower(g.get(), "clip.text", t);
    // SigLIP: spiece.model read by SiglipTokenizer; SigLIP 2: tokenizer.model read by GemmaTokenizer.
    const json tok = read_json(dir / "tokenizer_config.json", false);
    const std::string cls = cfg<std::string>(tok, "tokenizer_class", fs::exists(dir / "spiece.model") ? "SiglipTokenizer" : "GemmaTokenizer");
    const bool gemma = cls.find("Gemma") != std::string::npos;
    const fs::path spm_path = dir / (fs::exists(dir / "spiece.model") ? "spiece.model" : "tokenizer.model");
    std::ifstream in(spm_path, std::ios::binary);
    if (!in) throw Error("cannot read " + (dir / "spiece.model").string() + " or tokenizer.model: a SigLIP folder needs its SentencePiece model");
    const std::string spm((std::istreambuf_iterator<char>(in)), {});
    gguf_set_arr_data(g.get(), f::kKeySpmModel, GGUF_TYPE_UINT8, spm.data(), spm.size());
    auto token = [&](const char* key, const std::string& fallback) {
      auto it = tok.find(key);
      if (it == tok.end() || it->is_null()) return fallback;
      if (it->is_object()) return it->value("content", fallback);  // AddedToken
      return it->get<std::string>();
    };
    // SigLIP 2 was trained on lower-cased text; SiglipTokenizer lower-cases (do_lower_case) itself.
    gguf_set_val_bool(g.get(), f::kKeyLowerCase, cfg<bool>(tok, "do_lower_case", true));
    gguf_set_val_bool(g.get(), f::kKeyRemovePunctuation, !gemma);
    gguf_set_val_bool(g.get(), f::kKeyAddBos, cfg<bool>(tok, "add_bos_token", gemma));
    gguf_set_val_bool(g.get(), f::kKeyAddEos, cfg<bool>(tok, "add_eos_token", !gemma));
    gguf_set_val_str(g.get(), f::kKeyBosToken, token("bos_token", gemma ? "<bos>" : "").c_str());
    gguf_set_val_str(g.get(), f::kKeyEosToken, token("eos_token", gemma ? "<eos>" : "</s>").c_str());
    gguf_set_val_str(g.get(), f::kKeyPadToken, token("pad_token", gemma ? "<pad>" : "</s>").c_str());
    // Multilingual: SigLIP 2 (Gemma's vocabulary) and SigLIP's multilingual checkpoints (250k tokens).
    gguf_set_val_bool(g.get(), f::kKeyMultilingual, gemma || cfg<uint32_t>(tc, "vocab_size", 32000) >= 250000);
    gguf_set_val_str(g.get(), f::kKeyHiddenAct, t.act.c_str());
  } else if (has_text && chinese) {
    // BERT (transformers' ChineseCLIPTextConfig defaults); the projection size is the root's.
    TowerConfig t{cfg<uint32_t>(tc, "hidden_size", 768), cfg<uint32_t>(tc, "intermediate_size", 3072),
                  cfg<uint32_t>(tc, "num_attention_heads", 12), cfg<uint32_t>(tc, "num_hidden_layers", 12),
                  cfg<uint32_t>(config, "projection_dim", 512), cfg<float>(tc, "layer_norm_eps", 1e-12f),
                  cfg<std::string>(tc, "hidden_act", "gelu")};
    if (t.act != "gelu")
      throw Error(hf_dir + "/config.json: the text tower's hidden_act is \"" + t.act + "\"; lingbi's BERT tower runs gelu only");
    gguf_set_val_u32(g.get(), f::key_context_length("clip.text").c_str(), cfg<uint32_t>(tc, "max_position_embeddings", 512));
    set_tower(g.get(), "clip.text", t);
    const std::vector<std::string> tokens = read_vocab_txt(dir / "vocab.txt");
    std::vector<const char*> ptrs;
    for (const auto& s : tokens) ptrs.push_back(s.c_str());
    gguf_set_arr_str(g.get(), f::kKeyTokens, ptrs.data(), ptrs.size());
    // BertTokenizer: do_lower_case defaults to true, strip_accents (null) follows it.
    const json tok = read_json(dir / "tokenizer_config.json", false);
    const bool lower = cfg<bool>(tok, "do_lower_case", true);
    gguf_set_val_bool(g.get(), f::kKeyLowerCase, lower);
    gguf_set_val_bool(g.get(), f::kKeyStripAccents, cfg<bool>(tok, "strip_accents", lower));
    if (!cfg<bool>(tok, "tokenize_chinese_chars", true))
      throw Error(hf_dir + "/tokenizer_config.json sets tokenize_chinese_chars false, which lingbi does not support");
  } else if (has_text) {
    const TowerConfig t = tower_config(tc, config, true);
    gguf_set_val_u32(g.get(), f::key_context_length("clip.text").c_str(), cfg<uint32_t>(tc, "max_position_embeddings", 77));
    set_tower(g.get(), "clip.text", t);
    const std::vector<std::string> tokens = read_vocab(dir / "vocab.json");
    const std::vector<std::string> merges = read_merges(dir / "merges.txt");
    std::vector<const char*> ptrs;
    for (const auto& s : tokens) ptrs.push_back(s.c_str());
    gguf_set_arr_str(g.get(), f::kKeyTokens, ptrs.data(), ptrs.size());
    ptrs.clear();
    for (const auto& s : merges) ptrs.push_back(s.c_str());
    gguf_set_arr_str(g.get(), f::kKeyMerges, ptrs.data(), ptrs.size());
  }
  if (has_vision) {
    TowerConfig v = tower_config(vc, config, false);
    if (siglip) {  // SiglipVisionConfig defaults; no projection: the pooling head's width is the embedding's
      v = {cfg<uint32_t>(vc, "hidden_size", 768), cfg<uint32_t>(vc, "intermediate_size", 3072),
           cfg<uint32_t>(vc, "num_attention_heads", 12), cfg<uint32_t>(vc, "num_hidden_layers", 12), 0,
           cfg<float>(vc, "layer_norm_eps", 1e-6f), cfg<std::string>(vc, "hidden_act", "gelu_pytorch_tanh")};
      v.proj = v.hidden;
      if (!cfg<bool>(vc, "vision_use_head", true))
        throw Error(hf_dir + "/config.json: vision_use_head is false; lingbi needs SigLIP's attention-pooling head");
      gguf_set_val_str(g.get(), f::kKeyHiddenAct, v.act.c_str());
    }
    gguf_set_val_u32(g.get(), f::kKeyImageSize, cfg<uint32_t>(vc, "image_size", 224));
    gguf_set_val_u32(g.get(), f::kKeyPatchSize, cfg<uint32_t>(vc, "patch_size", 32));
    set_tower(g.get(), "clip.vision", v);
    const std::vector<float> mean = cfg<std::vector<float>>(
        pre, "image_mean", siglip ? std::vector<float>{0.5f, 0.5f, 0.5f} : std::vector<float>{0.48145466f, 0.4578275f, 0.40821073f});
    const std::vector<float> std = cfg<std::vector<float>>(
        pre, "image_std", siglip ? std::vector<float>{0.5f, 0.5f, 0.5f} : std::vector<float>{0.26862954f, 0.26130258f, 0.27577711f});
    if (mean.size() != 3 || std.size() != 3) throw Error(hf_dir + "/preprocessor_config.json: image_mean and image_std need 3 values");
    gguf_set_arr_data(g.get(), f::kKeyImageMean, GGUF_TYPE_FLOAT32, mean.data(), 3);
    gguf_set_arr_data(g.get(), f::kKeyImageStd, GGUF_TYPE_FLOAT32, std.data(), 3);
    // A processor whose size gives a height and a width resizes to exactly that (no centre crop to
    // do); one with a shortest_edge keeps the aspect ratio and crops.
    const json size = pre.value("size", json::object());
    gguf_set_val_bool(g.get(), f::kKeyStretch,
                      (size.is_object() && size.contains("height") && size.contains("width")) || (siglip && !size.contains("shortest_edge")));
  }
  // clip.cpp decides the activation from the vision tower's hidden_act.
  const std::string act = has_vision ? tower_config(vc, config, false).act : tower_config(tc, config, true).act;
  gguf_set_val_bool(g.get(), f::kKeyUseGelu, act == "gelu");

  // Tensor metadata lives in a ggml context; the data stays in host vectors until written.
  const size_t n_tensors = st.tensors().size();
  ggml_init_params params{ggml_tensor_overhead() * (n_tensors + 1), nullptr, true};
  GgmlPtr meta(ggml_init(params));
  std::vector<std::vector<uint8_t>> data;
  data.reserve(n_tensors);
  for (const auto& [hf_name, info] : st.tensors()) {
    if (siglip && (hf_name == "logit_scale" || hf_name == "logit_bias")) {
      // The sigmoid's scale (stored as its log) and bias, kept as keys for match probabilities.
      const float value = st.read_f32(hf_name).at(0);
      gguf_set_val_f32(g.get(), hf_name == "logit_scale" ? f::kKeyLogitScale : f::kKeyLogitBias,
                       hf_name == "logit_scale" ? std::exp(value) : value);
      continue;
    }
    if (hf_name == "logit_scale" || hf_name.find("position_ids") != std::string::npos) continue;
    if (hf_name.rfind("text_model.", 0) != 0 && hf_name.rfind("vision_model.", 0) != 0 &&
        hf_name.rfind("text_projection", 0) != 0 && hf_name.rfind("visual_projection", 0) != 0)
      continue;
    const std::string gname = chinese  ? f::chinese_clip_tensor_name(hf_name)
                              : siglip ? f::siglip_tensor_name(hf_name)
                                       : f::gguf_tensor_name(hf_name);
    if (gname.empty()) continue;
    std::vector<int64_t> ne;  // ggml order: innermost first, size-1 dims squeezed as clip.cpp does
    for (auto it = info.shape.rbegin(); it != info.shape.rend(); ++it)
      if (*it != 1) ne.push_back(*it);
    if (ne.empty()) ne.push_back(1);
    if (ne.size() > 4 || gname.size() >= GGML_MAX_NAME) throw Error(hf_dir + ": tensor " + hf_name + " cannot be stored");
    const ggml_type t = storage_type(gname, ne, type);
    std::vector<float> values = st.read_f32(hf_name);
    if (chinese && gname == "t.position_embd.weight") {
      // BERT adds token type 0's embedding to every position: folded in here, once.
      const std::string tt = "text_model.embeddings.token_type_embeddings.weight";
      if (st.tensors().count(tt)) {
        const std::vector<float> type0 = st.read_f32(tt);
        for (size_t i = 0; i < values.size(); ++i) values[i] += type0.at(i % size_t(ne[0]));
      }
    }
    data.push_back(encode(values, t, ne[0]));
    ggml_tensor* tensor = ggml_new_tensor(meta.get(), t, int(ne.size()), ne.data());
    ggml_set_name(tensor, gname.c_str());
    gguf_add_tensor(g.get(), tensor);
    gguf_set_tensor_data(g.get(), gname.c_str(), data.back().data());
  }
  const fs::path out(out_path);
  if (out.has_parent_path()) fs::create_directories(out.parent_path());
  if (!gguf_write_to_file(g.get(), out_path.c_str(), false)) throw Error("cannot write " + out_path + ": check the folder is writable");
}

}  // namespace lingbi
