// A tiny LLaVA-style mtmd projector (clip.projector_type "mlp"): the tensors tools/mtmd/clip.cpp
// loads for PROJECTOR_TYPE_MLP and models/llava.cpp runs, with random weights.
#include <string>

#include "gguf_builder.h"
#include "tiny_models.h"

namespace lingbi::dev {

void write_tiny_mmproj(const std::filesystem::path& path, uint64_t seed, uint32_t text_embedding) {
  const int64_t e = 32, ff = 64, heads = 4, blocks = 2, image = 32, patch = 8, hidden = 64;
  const int64_t n_pos = (image / patch) * (image / patch) + 1;  // patches plus the class embedding
  GgufBuilder b(seed, 4 << 20);
  gguf_context* g = b.gguf();
  gguf_set_val_str(g, "general.architecture", "clip");
  gguf_set_val_str(g, "general.name", "lingbi tiny mmproj (random weights)");
  gguf_set_val_u32(g, "general.file_type", 0);
  gguf_set_val_bool(g, "clip.has_vision_encoder", true);
  gguf_set_val_str(g, "clip.projector_type", "mlp");
  gguf_set_val_bool(g, "clip.use_gelu", true);
  gguf_set_val_u32(g, "clip.vision.embedding_length", e);
  gguf_set_val_u32(g, "clip.vision.feed_forward_length", ff);
  gguf_set_val_u32(g, "clip.vision.block_count", blocks);
  gguf_set_val_u32(g, "clip.vision.projection_dim", text_embedding);
  gguf_set_val_u32(g, "clip.vision.attention.head_count", heads);
  gguf_set_val_f32(g, "clip.vision.attention.layer_norm_epsilon", 1e-5f);
  gguf_set_val_u32(g, "clip.vision.image_size", image);
  gguf_set_val_u32(g, "clip.vision.patch_size", patch);
  const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
  const float std_[3] = {0.26862954f, 0.26130258f, 0.27577711f};
  gguf_set_arr_data(g, "clip.vision.image_mean", GGUF_TYPE_FLOAT32, mean, 3);
  gguf_set_arr_data(g, "clip.vision.image_std", GGUF_TYPE_FLOAT32, std_, 3);

  b.add("v.patch_embd.weight", {patch, patch, 3, e}, 0.1f, 0.0f, GGML_TYPE_F16);
  b.add("v.patch_embd.bias", {e}, 0.02f);
  b.add("v.class_embd", {e}, 0.2f);
  b.add("v.position_embd.weight", {e, n_pos}, 0.2f);
  b.add("v.pre_ln.weight", {e}, 0.0f, 1.0f);
  b.add("v.pre_ln.bias", {e}, 0.0f, 0.0f);
  for (int64_t i = 0; i < blocks; ++i) {
    const std::string p = "v.blk." + std::to_string(i) + ".";
    for (const char* w : {"attn_q", "attn_k", "attn_v", "attn_out"}) {
      b.add(p + w + ".weight", {e, e}, 0.2f);
      b.add(p + w + ".bias", {e}, 0.02f);
    }
    b.add(p + "ln1.weight", {e}, 0.0f, 1.0f);
    b.add(p + "ln1.bias", {e}, 0.0f, 0.0f);
    b.add(p + "ln2.weight", {e}, 0.0f, 1.0f);
    b.add(p + "ln2.bias", {e}, 0.0f, 0.0f);
    b.add(p + "ffn_up.weight", {e, ff}, 0.2f);
    b.add(p + "ffn_up.bias", {ff}, 0.02f);
    b.add(p + "ffn_down.weight", {ff, e}, 0.2f);
    b.add(p + "ffn_down.bias", {e}, 0.02f);
  }
  b.add("mm.0.weight", {e, hidden}, 0.2f);
  b.add("mm.0.bias", {hidden}, 0.02f);
  b.add("mm.2.weight", {hidden, static_cast<int64_t>(text_embedding)}, 0.2f);
  b.add("mm.2.bias", {static_cast<int64_t>(text_embedding)}, 0.02f);
  b.write(path);
}

}  // namespace lingbi::dev
