// A tiny qwen2 model: the layout llama.cpp's src/models/qwen2.cpp loads, with random weights and the
// real Qwen2 tokenizer and chat template copied from a tokenizer-only GGUF.
#include <memory>
#include <string>
#include <vector>

#include "gguf_builder.h"
#include "lingbi/util/error.h"
#include "lingbi/util/ggml_handles.h"
#include "tiny_models.h"
#include "vocab_source.h"

namespace lingbi::dev {

namespace {

// Random weights would pick any token, including special ones (tool-call and thinking markers) and
// pieces of a UTF-8 character, which a real model emits only in context. Such noise makes
// llama-server's chat parser reject the output. Their embeddings are scaled down to 2% so their
// logits stay near zero and top-k sampling passes them over; end-of-generation tokens keep theirs.
void quiet_unusual_tokens(ggml_tensor* embd, const gguf_context* voc) {
  const std::vector<bool> unusual = unusual_tokens(voc);
  const int64_t e = embd->ne[0];
  auto* rows = static_cast<ggml_fp16_t*>(embd->data);
  for (size_t id = 0; id < unusual.size(); ++id) {
    if (!unusual[id]) continue;
    for (int64_t k = 0; k < e; ++k) rows[id * e + k] = ggml_fp32_to_fp16(0.02f * ggml_fp16_to_fp32(rows[id * e + k]));
  }
}

}  // namespace

void write_tiny_llm(const std::filesystem::path& path, const std::filesystem::path& vocab, uint64_t seed,
                    const TinyLlmShape& s) {
  GgufPtr voc = open_vocab(vocab);
  const int64_t n_vocab = vocab_tokens(voc.get());

  const int64_t e = s.embedding, ff = s.feed_forward, kv = e / s.heads * s.kv_heads;
  const size_t bytes = static_cast<size_t>(n_vocab * e * 2 + s.blocks * (4 * e * e + 3 * e * ff + 8 * e) * 4);
  GgufBuilder b(seed, bytes + (1 << 20));
  gguf_context* g = b.gguf();
  gguf_set_kv(g, voc.get());  // tokenizer.*, then the architecture keys overwritten below
  gguf_set_val_str(g, "general.architecture", "qwen2");
  gguf_set_val_str(g, "general.name", "lingbi tiny qwen2 (random weights)");
  gguf_set_val_u32(g, "general.file_type", 1);
  gguf_set_val_u32(g, "qwen2.block_count", s.blocks);
  gguf_set_val_u32(g, "qwen2.context_length", s.context);
  gguf_set_val_u32(g, "qwen2.embedding_length", s.embedding);
  gguf_set_val_u32(g, "qwen2.feed_forward_length", s.feed_forward);
  gguf_set_val_u32(g, "qwen2.attention.head_count", s.heads);
  gguf_set_val_u32(g, "qwen2.attention.head_count_kv", s.kv_heads);
  gguf_set_val_f32(g, "qwen2.rope.freq_base", 1000000.0f);
  gguf_set_val_f32(g, "qwen2.attention.layer_norm_rms_epsilon", 1e-6f);

  // Embeddings tied with the output (no output.weight), in f16: the vocabulary dominates the size.
  quiet_unusual_tokens(b.add("token_embd.weight", {e, n_vocab}, 0.5f, 0.0f, GGML_TYPE_F16), voc.get());
  b.add("output_norm.weight", {e}, 0.0f, 1.0f);
  for (uint32_t i = 0; i < s.blocks; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    b.add(p + "attn_norm.weight", {e}, 0.0f, 1.0f);
    b.add(p + "attn_q.weight", {e, e}, 0.2f);
    b.add(p + "attn_k.weight", {e, kv}, 0.2f);
    b.add(p + "attn_v.weight", {e, kv}, 0.2f);
    b.add(p + "attn_q.bias", {e}, 0.02f);
    b.add(p + "attn_k.bias", {kv}, 0.02f);
    b.add(p + "attn_v.bias", {kv}, 0.02f);
    b.add(p + "attn_output.weight", {e, e}, 0.2f);
    b.add(p + "ffn_norm.weight", {e}, 0.0f, 1.0f);
    b.add(p + "ffn_gate.weight", {e, ff}, 0.2f);
    b.add(p + "ffn_up.weight", {e, ff}, 0.2f);
    b.add(p + "ffn_down.weight", {ff, e}, 0.2f);
  }
  b.write(path);
}

}  // namespace lingbi::dev
