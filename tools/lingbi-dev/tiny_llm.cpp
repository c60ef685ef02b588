// A tiny qwen2 model: the layout llama.cpp's src/models/qwen2.cpp loads, with random weights and the
// real Qwen2 tokenizer and chat template copied from a tokenizer-only GGUF.
#include <memory>
#include <string>

#include "gguf_builder.h"
#include "lingbi/error.h"
#include "tiny_models.h"

namespace lingbi::dev {

namespace {

struct GgufFree {
  void operator()(gguf_context* c) const { gguf_free(c); }
};

}  // namespace

void write_tiny_llm(const std::filesystem::path& path, const std::filesystem::path& vocab, uint64_t seed,
                    const TinyLlmShape& s) {
  gguf_init_params vp{true, nullptr};
  std::unique_ptr<gguf_context, GgufFree> voc(gguf_init_from_file(vocab.c_str(), vp));
  if (!voc) {
    throw Error("cannot read the tokenizer GGUF " + vocab.string() +
                ": pass --vocab with llama.cpp's models/ggml-vocab-qwen2.gguf");
  }
  const int64_t tokens_key = gguf_find_key(voc.get(), "tokenizer.ggml.tokens");
  if (tokens_key < 0) throw Error(vocab.string() + " holds no tokenizer (no tokenizer.ggml.tokens)");
  const int64_t n_vocab = static_cast<int64_t>(gguf_get_arr_n(voc.get(), tokens_key));

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
  b.add("token_embd.weight", {e, n_vocab}, 0.5f, 0.0f, GGML_TYPE_F16);
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
