// The shapes come from each model's config.json on the Hugging Face hub (Qwen/Qwen2.5-VL-3B-Instruct,
// Qwen/Qwen2.5-7B-Instruct, Qwen/Qwen2.5-3B-Instruct) and the tensor layout from the pinned llama.cpp
// tree: src/models/qwen2.cpp and qwen2vl.cpp for the text models, tools/mtmd/clip.cpp and
// tools/mtmd/models/qwen2vl.cpp (with conversion/qwenvl.py) for the Qwen2.5-VL mmproj.
#include "real_models.h"

#include <cmath>

#include "gguf_stream_writer.h"
#include "lingbi/util/error.h"
#include "vocab_source.h"

namespace lingbi::dev {

const std::vector<RealModel>& real_models() {
  static const std::vector<RealModel> models = {
      {"qwen2.5-vl-3b", "Qwen2.5-VL-3B-Instruct: the writer and selector with its mmproj",
       {"qwen2vl", 151936, 2048, 36, 16, 2, 11008, 128000, true, {16, 24, 24, 0}},
       VisionShape{1280, 32, 16, 3420, 14, 560, 8, 2}},
      {"qwen2.5-7b", "Qwen2.5-7B-Instruct: a 7B-class writer",
       {"qwen2", 152064, 3584, 28, 28, 4, 18944, 32768, false, {}},
       std::nullopt},
      {"qwen2.5-3b", "Qwen2.5-3B-Instruct: a 3B-class writer",
       {"qwen2", 151936, 2048, 36, 16, 2, 11008, 32768, true, {}},
       std::nullopt},
  };
  return models;
}

const RealModel& real_model(const std::string& name) {
  std::string known;
  for (const RealModel& m : real_models()) {
    if (m.name == name) return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw Error("no model called '" + name + "' to imitate; known: " + known);
}

namespace {

// Noise whose products keep unit scale: a layer of n inputs gets uniform weights of variance 1/n,
// so activations neither vanish nor overflow through dozens of blocks.
float unit_scale(int64_t inputs) { return std::sqrt(3.0f / static_cast<float>(inputs)); }

// Copies the tokenizer, padded with unused tokens up to `vocab` entries as the converter pads it.
void copy_tokenizer(gguf_context* g, const gguf_context* voc, int64_t vocab) {
  gguf_set_kv(g, voc);
  const int64_t have = vocab_tokens(voc);
  if (have > vocab) throw Error("the tokenizer has more tokens than the model's vocabulary");
  if (have == vocab) return;
  const int64_t tokens_key = gguf_find_key(voc, "tokenizer.ggml.tokens");
  std::vector<std::string> tokens;
  for (int64_t i = 0; i < have; ++i) tokens.emplace_back(gguf_get_arr_str(voc, tokens_key, i));
  for (int64_t i = have; i < vocab; ++i) tokens.push_back("[PAD" + std::to_string(i) + "]");
  std::vector<const char*> ptrs;
  for (const std::string& t : tokens) ptrs.push_back(t.c_str());
  gguf_set_arr_str(g, "tokenizer.ggml.tokens", ptrs.data(), ptrs.size());
  const int64_t types_key = gguf_find_key(voc, "tokenizer.ggml.token_type");
  if (types_key >= 0) {
    const auto* t = static_cast<const int32_t*>(gguf_get_arr_data(voc, types_key));
    std::vector<int32_t> types(t, t + have);
    types.resize(static_cast<size_t>(vocab), 4);  // USER_DEFINED, like the padding already in the file
    gguf_set_arr_data(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types.data(), types.size());
  }
}

}  // namespace

void write_real_text_model(const std::filesystem::path& path, const RealModel& model, const std::filesystem::path& vocab,
                           uint64_t seed, ggml_type matrices) {
  const TextShape& s = model.text;
  GgufPtr voc = open_vocab(vocab);
  GgufStreamWriter w;
  gguf_context* g = w.gguf();
  copy_tokenizer(g, voc.get(), s.vocab);
  const std::string a = s.arch;
  gguf_set_val_str(g, "general.architecture", a.c_str());
  gguf_set_val_str(g, "general.name", ("lingbi random-weight " + model.name).c_str());
  gguf_set_val_u32(g, "general.file_type", matrices == GGML_TYPE_Q8_0 ? 7 : 1);  // mostly q8_0 or f16
  gguf_set_val_u32(g, (a + ".block_count").c_str(), static_cast<uint32_t>(s.blocks));
  gguf_set_val_u32(g, (a + ".context_length").c_str(), static_cast<uint32_t>(s.context));
  gguf_set_val_u32(g, (a + ".embedding_length").c_str(), static_cast<uint32_t>(s.embedding));
  gguf_set_val_u32(g, (a + ".feed_forward_length").c_str(), static_cast<uint32_t>(s.feed_forward));
  gguf_set_val_u32(g, (a + ".attention.head_count").c_str(), static_cast<uint32_t>(s.heads));
  gguf_set_val_u32(g, (a + ".attention.head_count_kv").c_str(), static_cast<uint32_t>(s.kv_heads));
  gguf_set_val_f32(g, (a + ".rope.freq_base").c_str(), 1000000.0f);
  gguf_set_val_f32(g, (a + ".attention.layer_norm_rms_epsilon").c_str(), 1e-6f);
  if (!s.rope_sections.empty()) {
    gguf_set_arr_data(g, (a + ".rope.dimension_sections").c_str(), GGUF_TYPE_INT32, s.rope_sections.data(),
                      s.rope_sections.size());
  }

  const int64_t e = s.embedding, ff = s.feed_forward, kv = e / s.heads * s.kv_heads;
  std::vector<bool> quiet = unusual_tokens(voc.get());
  // Logits of about unit scale: sampling stays random rather than repeating one token.
  const float logit_scale = unit_scale(e);
  w.add("token_embd.weight", {e, s.vocab}, s.tied ? logit_scale : 0.5f, 0.0f, matrices,
        s.tied ? quiet : std::vector<bool>{});
  w.add("output_norm.weight", {e}, 0.0f, 1.0f);
  if (!s.tied) w.add("output.weight", {e, s.vocab}, logit_scale, 0.0f, matrices, quiet);
  for (int64_t i = 0; i < s.blocks; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    w.add(p + "attn_norm.weight", {e}, 0.0f, 1.0f);
    w.add(p + "attn_q.weight", {e, e}, unit_scale(e), 0.0f, matrices);
    w.add(p + "attn_k.weight", {e, kv}, unit_scale(e), 0.0f, matrices);
    w.add(p + "attn_v.weight", {e, kv}, unit_scale(e), 0.0f, matrices);
    w.add(p + "attn_q.bias", {e}, 0.02f);
    w.add(p + "attn_k.bias", {kv}, 0.02f);
    w.add(p + "attn_v.bias", {kv}, 0.02f);
    w.add(p + "attn_output.weight", {e, e}, unit_scale(e), 0.0f, matrices);
    w.add(p + "ffn_norm.weight", {e}, 0.0f, 1.0f);
    w.add(p + "ffn_gate.weight", {e, ff}, unit_scale(e), 0.0f, matrices);
    w.add(p + "ffn_up.weight", {e, ff}, unit_scale(e), 0.0f, matrices);
    w.add(p + "ffn_down.weight", {ff, e}, unit_scale(ff), 0.0f, matrices);
  }
  w.write(path, seed);
}

void write_real_mmproj(const std::filesystem::path& path, const RealModel& model, uint64_t seed) {
  if (!model.vision) throw Error(model.name + " has no vision part, so no mmproj");
  const VisionShape& v = *model.vision;
  const int64_t e = v.embedding, ff = v.feed_forward, merged = e * v.merge * v.merge, out = model.text.embedding;
  GgufStreamWriter w;
  gguf_context* g = w.gguf();
  gguf_set_val_str(g, "general.architecture", "clip");
  gguf_set_val_str(g, "general.name", ("lingbi random-weight " + model.name + " mmproj").c_str());
  gguf_set_val_u32(g, "general.file_type", 1);
  gguf_set_val_bool(g, "clip.has_vision_encoder", true);
  gguf_set_val_str(g, "clip.projector_type", "qwen2.5vl_merger");
  gguf_set_val_bool(g, "clip.use_silu", true);
  gguf_set_val_u32(g, "clip.vision.embedding_length", static_cast<uint32_t>(e));
  gguf_set_val_u32(g, "clip.vision.feed_forward_length", static_cast<uint32_t>(ff));
  gguf_set_val_u32(g, "clip.vision.block_count", static_cast<uint32_t>(v.blocks));
  gguf_set_val_u32(g, "clip.vision.projection_dim", static_cast<uint32_t>(out));
  gguf_set_val_u32(g, "clip.vision.attention.head_count", static_cast<uint32_t>(v.heads));
  gguf_set_val_f32(g, "clip.vision.attention.layer_norm_epsilon", 1e-6f);
  gguf_set_val_u32(g, "clip.vision.image_size", static_cast<uint32_t>(v.image));
  gguf_set_val_u32(g, "clip.vision.patch_size", static_cast<uint32_t>(v.patch));
  gguf_set_val_u32(g, "clip.vision.n_wa_pattern", static_cast<uint32_t>(v.window_pattern));
  gguf_set_val_u32(g, "clip.vision.spatial_merge_size", static_cast<uint32_t>(v.merge));
  const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
  const float std_[3] = {0.26862954f, 0.26130258f, 0.27577711f};
  gguf_set_arr_data(g, "clip.vision.image_mean", GGUF_TYPE_FLOAT32, mean, 3);
  gguf_set_arr_data(g, "clip.vision.image_std", GGUF_TYPE_FLOAT32, std_, 3);

  // The Conv3D patch embedding (temporal patch 2) split into two Conv2Ds, no bias.
  const float patch_scale = unit_scale(v.patch * v.patch * 3 * 2);
  w.add("v.patch_embd.weight", {v.patch, v.patch, 3, e}, patch_scale, 0.0f, GGML_TYPE_F16);
  w.add("v.patch_embd.weight.1", {v.patch, v.patch, 3, e}, patch_scale, 0.0f, GGML_TYPE_F16);
  for (int64_t i = 0; i < v.blocks; ++i) {
    const std::string p = "v.blk." + std::to_string(i) + ".";
    w.add(p + "ln1.weight", {e}, 0.0f, 1.0f);  // RMS norms: weight only
    for (const char* name : {"attn_q", "attn_k", "attn_v", "attn_out"}) {
      w.add(p + name + ".weight", {e, e}, unit_scale(e), 0.0f, GGML_TYPE_F16);
      w.add(p + name + ".bias", {e}, 0.02f);
    }
    w.add(p + "ln2.weight", {e}, 0.0f, 1.0f);
    w.add(p + "ffn_gate.weight", {e, ff}, unit_scale(e), 0.0f, GGML_TYPE_F16);
    w.add(p + "ffn_gate.bias", {ff}, 0.02f);
    w.add(p + "ffn_up.weight", {e, ff}, unit_scale(e), 0.0f, GGML_TYPE_F16);
    w.add(p + "ffn_up.bias", {ff}, 0.02f);
    w.add(p + "ffn_down.weight", {ff, e}, unit_scale(ff), 0.0f, GGML_TYPE_F16);
    w.add(p + "ffn_down.bias", {e}, 0.02f);
  }
  w.add("v.post_ln.weight", {e}, 0.0f, 1.0f);  // the merger's ln_q
  w.add("mm.0.weight", {merged, merged}, unit_scale(merged), 0.0f, GGML_TYPE_F16);
  w.add("mm.0.bias", {merged}, 0.02f);
  w.add("mm.2.weight", {merged, out}, unit_scale(merged), 0.0f, GGML_TYPE_F16);
  w.add("mm.2.bias", {out}, 0.02f);
  w.write(path, seed);
}

}  // namespace lingbi::dev
