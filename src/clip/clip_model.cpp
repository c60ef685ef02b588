// ClipModel on ggml: one graph per batch of images or texts, run by a backend scheduler on the
// chosen device (with the CPU as fallback for ops the device lacks).
#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

#include "clip_weights.h"
#include "cpu_kernels.h"
#include "ggml-alloc.h"
#include "ggml-cpu.h"
#include "lingbi/clip/clip.h"
#include "lingbi/clip/clip_tokenizer.h"
#include "lingbi/clip/sentencepiece_tokenizer.h"
#include "lingbi/clip/wordpiece_tokenizer.h"
#include "lingbi/util/error.h"

namespace lingbi {

using namespace clip;

namespace {

constexpr int kGraphSize = 8192;

ggml_tensor* layer_norm(ggml_context* ctx, ggml_tensor* x, ggml_tensor* w, ggml_tensor* b, float eps) {
  return ggml_add(ctx, ggml_mul(ctx, ggml_norm(ctx, x, eps), w), b);
}

enum class Act { quick_gelu, gelu_erf, gelu_tanh };

ggml_tensor* activate(ggml_context* ctx, ggml_tensor* x, Act act) {
  switch (act) {
    case Act::gelu_erf: return ggml_gelu_erf(ctx, x);
    case Act::gelu_tanh: return ggml_gelu(ctx, x);
    // x * sigmoid(1.702 x) written as silu(1.702 x) / 1.702: ggml's SiLU is vectorised (AVX-512 on
    // x86), its quick GELU a scalar lookup in an f16 table (about 4% of a ViT-B/32 batch in a profile).
    default: return ggml_scale_inplace(ctx, ggml_silu_inplace(ctx, ggml_scale_inplace(ctx, x, 1.702f)), 1.0f / 1.702f);
  }
}

// Multi-head self-attention of cur [n_embd, n_tokens, n_seq] with its output projection. mask
// (optional) is [n_tokens, n_tokens, 1, n_seq], 0 for keys to attend and -inf for the others.
ggml_tensor* self_attention(ggml_context* ctx, const CpuKernels& kn, ggml_tensor* cur, const ClipLayer& l,
                            const ClipTower& t, ggml_tensor* mask, bool causal) {
  const int64_t e = t.n_embd, h = t.n_head, d = e / h, n = cur->ne[1], s = cur->ne[2];
  ggml_tensor* q = kn.linear(ctx, cur, l.q_w, l.q_b);
  ggml_tensor* k = kn.linear(ctx, cur, l.k_w, l.k_b);
  ggml_tensor* v = kn.linear(ctx, cur, l.v_w, l.v_b);
  if (!mask && !causal)
    if (ggml_tensor* o = kn.attention(ctx, q, k, v, int(h))) return kn.linear(ctx, o, l.o_w, l.o_b);
  q = ggml_reshape_4d(ctx, q, d, h, n, s);
  k = ggml_reshape_4d(ctx, k, d, h, n, s);
  v = ggml_reshape_4d(ctx, v, d, h, n, s);
  q = ggml_permute(ctx, q, 0, 2, 1, 3);                  // [d, n, h, s]
  k = ggml_permute(ctx, k, 0, 2, 1, 3);                  // [d, n, h, s]
  v = ggml_cont(ctx, ggml_permute(ctx, v, 1, 2, 0, 3));  // [n, d, h, s]
  ggml_tensor* kq = ggml_mul_mat(ctx, k, q);             // [n_k, n_q, h, s]
  if (causal) kq = ggml_diag_mask_inf(ctx, kq, 0);
  kq = ggml_soft_max_ext(ctx, kq, mask, 1.0f / std::sqrt(float(d)), 0.0f);
  ggml_tensor* kqv = ggml_cont(ctx, ggml_permute(ctx, ggml_mul_mat(ctx, v, kq), 0, 2, 1, 3));  // [d, h, n_q, s]
  return kn.linear(ctx, ggml_reshape_3d(ctx, kqv, e, n, s), l.o_w, l.o_b);
}

// One pre-norm transformer block on x [n_embd, n_tokens, n_seq].
ggml_tensor* encoder_block(ggml_context* ctx, const CpuKernels& kn, ggml_tensor* x, const ClipLayer& l,
                           const ClipTower& t, bool causal, Act act) {
  x = ggml_add(ctx, x, self_attention(ctx, kn, layer_norm(ctx, x, l.ln1_w, l.ln1_b, t.eps), l, t, nullptr, causal));
  ggml_tensor* cur = layer_norm(ctx, x, l.ln2_w, l.ln2_b, t.eps);
  cur = kn.linear(ctx, cur, l.fc1_w, l.fc1_b);
  cur = activate(ctx, cur, act);
  cur = kn.linear(ctx, cur, l.fc2_w, l.fc2_b);
  return ggml_add(ctx, x, cur);
}

// One post-norm BERT block (Chinese-CLIP's text tower) on x [n_embd, n_tokens, n_seq]; mask
// [n_tokens, n_tokens, 1, n_seq] holds 0 for real keys and -inf for padding.
ggml_tensor* bert_block(ggml_context* ctx, const CpuKernels& kn, ggml_tensor* x, const ClipLayer& l,
                        const ClipTower& t, ggml_tensor* mask) {
  x = ggml_add(ctx, x, self_attention(ctx, kn, x, l, t, mask, false));
  x = layer_norm(ctx, x, l.ln1_w, l.ln1_b, t.eps);
  ggml_tensor* cur = ggml_gelu_erf(ctx, kn.linear(ctx, x, l.fc1_w, l.fc1_b));
  x = ggml_add(ctx, x, kn.linear(ctx, cur, l.fc2_w, l.fc2_b));
  return layer_norm(ctx, x, l.ln2_w, l.ln2_b, t.eps);
}

ggml_tensor* as_f32(ggml_context* ctx, ggml_tensor* t) {
  return t->type == GGML_TYPE_F32 ? t : ggml_cast(ctx, t, GGML_TYPE_F32);
}

void normalise(std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += double(x) * x;
  const float inv = sum > 0 ? float(1.0 / std::sqrt(sum)) : 0.0f;
  for (float& x : v) x *= inv;
}

class GgmlClipModel final : public ClipModel {
 public:
  GgmlClipModel(const std::string& path, const ClipOptions& options) : kernels_(options.cpu_kernels && !uses_device(options)) {
    ggml_backend_t cpu = ggml_backend_cpu_init();
    if (!cpu) throw Error("cannot start the ggml CPU backend");
    cpu_.reset(cpu);
    const int threads = options.n_threads > 0 ? options.n_threads
                                              : int(std::max(1u, std::thread::hardware_concurrency()));
    ggml_backend_cpu_set_n_threads(cpu, threads);
    ggml_backend_t main = cpu;
    if (uses_device(options)) {
      ggml_backend_dev_t dev = ggml_backend_dev_by_name(options.device.c_str());
      if (!dev) throw Error("no ggml device named \"" + options.device + "\": `lingbi system-info` lists the devices");
      device_.reset(ggml_backend_dev_init(dev, nullptr));
      if (!device_) throw Error("cannot start ggml device " + options.device);
      main = device_.get();
    }
    weights_ = load_clip_weights(path, main);
    kernels_.pack(weights_);
    if (weights_.text.present) {
      if (weights_.family == ClipFamily::siglip) {
        SentencePieceOptions o;
        o.lower_case = weights_.lower_case;
        o.remove_punctuation = weights_.remove_punctuation;
        o.add_bos = weights_.add_bos;
        o.add_eos = weights_.add_eos;
        o.bos_token = weights_.bos_token;
        o.eos_token = weights_.eos_token;
        o.pad_token = weights_.pad_token;
        spm_ = std::make_unique<SentencePieceTokenizer>(weights_.spm_model, o);
        if (int64_t(spm_->vocab_size()) != weights_.text.token_embd->ne[1])
          throw Error("CLIP model " + path + ": the SentencePiece vocabulary (" + std::to_string(spm_->vocab_size()) +
                      ") and the token embeddings (" + std::to_string(weights_.text.token_embd->ne[1]) + ") differ");
      } else if (weights_.family == ClipFamily::chinese_clip)
        wordpiece_ = std::make_unique<WordPieceTokenizer>(weights_.tokens, weights_.lower_case, weights_.strip_accents);
      else
        tokenizer_ = std::make_unique<ClipTokenizer>(weights_.tokens, weights_.merges);
    }
    std::vector<ggml_backend_t> backends;
    if (device_) backends.push_back(device_.get());
    backends.push_back(cpu);
    sched_.reset(ggml_backend_sched_new(backends.data(), nullptr, int(backends.size()), kGraphSize, false, true));
    if (!sched_) throw Error("cannot create the ggml scheduler for CLIP model " + path);
    batch_ = std::max(1, options.batch_size);
  }

  const std::string& name() const override { return weights_.name; }
  int dim() const override { return (weights_.vision.present ? weights_.vision : weights_.text).proj_dim; }
  bool has_vision() const override { return weights_.vision.present; }
  bool has_text() const override { return weights_.text.present; }
  ClipPreprocess preprocess() const override { return weights_.preprocess; }
  ClipFamily family() const override { return weights_.family; }
  bool multilingual() const override { return weights_.multilingual; }
  std::string cpu_kernels() const override {
    std::string s;
    if (kernels_.packed_count() > 0) s = "bf16 linears (" + std::to_string(kernels_.packed_count()) + " matrices)";
    if (kernels_.fused_attention()) s += s.empty() ? "attention" : ", attention";
    return s.empty() ? "none" : s;
  }

  std::vector<std::vector<float>> embed_images(const std::vector<ClipImage>& images) override {
    if (!has_vision()) throw Error("CLIP model " + name() + " has no vision tower: it cannot embed images");
    std::lock_guard<std::mutex> lock(mutex_);  // one graph at a time on the shared scheduler
    const int size = weights_.vision.image_size;
    for (const ClipImage& im : images)
      if (im.size != size || im.pixels.size() != size_t(3) * size * size)
        throw Error("an image given to CLIP model " + name() + " is " + std::to_string(im.size) + " px, not " +
                    std::to_string(size) + ": preprocess it with the model's preprocess()");
    std::vector<std::vector<float>> out;
    for (size_t i = 0; i < images.size(); i += batch_) {
      const size_t n = std::min(images.size() - i, size_t(batch_));
      auto part = run_vision(images.data() + i, n);
      for (auto& v : part) out.push_back(std::move(v));
    }
    return out;
  }

  std::vector<std::vector<float>> embed_texts(const std::vector<std::string>& texts) override {
    if (!has_text()) throw Error("CLIP model " + name() + " has no text tower: it cannot embed texts");
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::vector<float>> out;
    for (size_t i = 0; i < texts.size(); i += batch_) {
      const size_t n = std::min(texts.size() - i, size_t(batch_));
      std::vector<std::vector<int32_t>> ids;
      for (size_t k = 0; k < n; ++k)
        ids.push_back(spm_         ? spm_->encode(texts[i + k], weights_.text.context_length)
                      : wordpiece_ ? wordpiece_->encode(texts[i + k], weights_.text.context_length)
                                   : tokenizer_->encode(texts[i + k], weights_.text.context_length));
      auto part = spm_ ? run_text_siglip(ids) : wordpiece_ ? run_text_bert(ids) : run_text(ids);
      for (auto& v : part) out.push_back(std::move(v));
    }
    return out;
  }

 private:
  struct Graph {
    GgmlPtr ctx;
    ggml_cgraph* gf = nullptr;
  };

  Graph new_graph() {
    Graph g;
    ggml_init_params p{ggml_tensor_overhead() * kGraphSize + ggml_graph_overhead_custom(kGraphSize, false),
                       nullptr, /*no_alloc=*/true};
    g.ctx.reset(ggml_init(p));
    g.gf = ggml_new_graph_custom(g.ctx.get(), kGraphSize, false);
    return g;
  }

  std::vector<std::vector<float>> compute(Graph& g, ggml_tensor* out, const std::vector<std::pair<ggml_tensor*, const void*>>& inputs) {
    ggml_set_output(out);
    ggml_build_forward_expand(g.gf, out);
    ggml_backend_sched_reset(sched_.get());
    if (!ggml_backend_sched_alloc_graph(sched_.get(), g.gf)) throw Error("not enough memory to run CLIP model " + name());
    for (auto& [t, data] : inputs) ggml_backend_tensor_set(t, data, 0, ggml_nbytes(t));
    if (ggml_backend_sched_graph_compute(sched_.get(), g.gf) != GGML_STATUS_SUCCESS)
      throw Error("the ggml backend failed to run CLIP model " + name());
    const int64_t d = out->ne[0], n = out->ne[1];
    std::vector<float> flat(size_t(d * n));
    ggml_backend_tensor_get(out, flat.data(), 0, flat.size() * sizeof(float));
    std::vector<std::vector<float>> result;
    for (int64_t i = 0; i < n; ++i) {
      result.emplace_back(flat.begin() + i * d, flat.begin() + (i + 1) * d);
      normalise(result.back());
    }
    return result;
  }

  std::vector<std::vector<float>> run_vision(const ClipImage* images, size_t n) {
    const ClipTower& v = weights_.vision;
    const int p = v.patch_size, side = v.image_size / p, n_patch = side * side, kp = 3 * p * p;
    // Patches unfolded on the host (p*p*3 values in the kernel's [kx, ky, c] order).
    // Kept between calls (under mutex_): a fresh batch-sized buffer costs page faults every call.
    std::vector<float>& patches = patches_;
    patches.resize(size_t(kp) * n_patch * n);
    for (size_t b = 0; b < n; ++b) {
      const float* px = images[b].pixels.data();
      for (int py = 0; py < side; ++py)
        for (int pxi = 0; pxi < side; ++pxi) {
          float* dst = patches.data() + (b * n_patch + size_t(py * side + pxi)) * kp;
          for (int c = 0; c < 3; ++c)
            for (int ky = 0; ky < p; ++ky)
              for (int kx = 0; kx < p; ++kx)
                dst[(c * p + ky) * p + kx] = px[(size_t(c) * v.image_size + py * p + ky) * v.image_size + pxi * p + kx];
        }
    }
    if (weights_.family == ClipFamily::siglip) return run_vision_siglip(patches, n);
    std::vector<int32_t> positions(n_patch + 1);
    for (int i = 0; i <= n_patch; ++i) positions[i] = i;

    Graph g = new_graph();
    ggml_context* ctx = g.ctx.get();
    ggml_tensor* in = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, kp, n_patch, int64_t(n));
    ggml_set_input(in);
    ggml_tensor* pos = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_patch + 1);
    ggml_set_input(pos);

    ggml_tensor* kernel = ggml_reshape_2d(ctx, v.patch_embd, kp, v.n_embd);
    ggml_tensor* x = ggml_mul_mat(ctx, kernel, in);  // [e, n_patch, n]
    ggml_tensor* cls = ggml_reshape_3d(ctx, as_f32(ctx, v.class_embd), v.n_embd, 1, 1);
    cls = ggml_repeat_4d(ctx, cls, v.n_embd, 1, int64_t(n), 1);
    x = ggml_concat(ctx, cls, x, 1);                 // [e, 1 + n_patch, n]
    x = ggml_add(ctx, x, ggml_get_rows(ctx, v.position_embd, pos));
    x = layer_norm(ctx, x, v.pre_ln_w, v.pre_ln_b, v.eps);
    for (const ClipLayer& l : v.layers) x = encoder_block(ctx, kernels_, x, l, v, false, act());
    x = ggml_cont(ctx, ggml_view_2d(ctx, x, v.n_embd, int64_t(n), x->nb[2], 0));  // class tokens
    x = layer_norm(ctx, x, v.post_ln_w, v.post_ln_b, v.eps);
    ggml_tensor* out = ggml_mul_mat(ctx, v.projection, x);
    return compute(g, out, {{in, patches.data()}, {pos, positions.data()}});
  }

  // What every text tower starts and ends with: inputs for `n` texts of `len` positions (token ids,
  // positions, the row of each text to pool) and x, the token plus position embeddings [e, len, n];
  // pooled() gathers the pooled rows of the final states, [e, n].
  struct TextGraph {
    ggml_tensor *tok, *pos, *pool, *x;
    std::vector<int32_t> positions;
    ggml_tensor* pooled(ggml_context* ctx, ggml_tensor* states, int64_t e, size_t len, size_t n) const {
      return ggml_get_rows(ctx, ggml_reshape_2d(ctx, states, e, int64_t(len * n)), pool);
    }
  };
  static TextGraph text_graph(ggml_context* ctx, const ClipTower& t, size_t len, size_t n) {
    TextGraph tg;
    tg.tok = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, int64_t(len * n));
    ggml_set_input(tg.tok);
    tg.pos = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, int64_t(len));
    ggml_set_input(tg.pos);
    tg.pool = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, int64_t(n));
    ggml_set_input(tg.pool);
    tg.x = ggml_reshape_3d(ctx, ggml_get_rows(ctx, t.token_embd, tg.tok), t.n_embd, int64_t(len), int64_t(n));
    tg.x = ggml_add(ctx, tg.x, ggml_get_rows(ctx, t.position_embd, tg.pos));
    tg.positions.resize(len);
    for (size_t i = 0; i < len; ++i) tg.positions[i] = int32_t(i);
    return tg;
  }

  std::vector<std::vector<float>> run_text(const std::vector<std::vector<int32_t>>& ids) {
    const ClipTower& t = weights_.text;
    const size_t n = ids.size();
    size_t len = 0;
    for (const auto& s : ids) len = std::max(len, s.size());
    // Padded with the end token; the causal mask keeps padding from reaching the pooled token.
    std::vector<int32_t> tokens(len * n, tokenizer_->end_id()), pooled(n);
    for (size_t b = 0; b < n; ++b) {
      std::copy(ids[b].begin(), ids[b].end(), tokens.begin() + b * len);
      const size_t eot = size_t(std::find(ids[b].begin(), ids[b].end(), tokenizer_->end_id()) - ids[b].begin());
      pooled[b] = int32_t(b * len + std::min(eot, ids[b].size() - 1));
    }

    Graph g = new_graph();
    ggml_context* ctx = g.ctx.get();
    const TextGraph tg = text_graph(ctx, t, len, n);
    ggml_tensor* x = tg.x;
    for (const ClipLayer& l : t.layers) x = encoder_block(ctx, kernels_, x, l, t, true, act());
    x = layer_norm(ctx, tg.pooled(ctx, x, t.n_embd, len, n), t.post_ln_w, t.post_ln_b, t.eps);
    ggml_tensor* out = ggml_mul_mat(ctx, t.projection, x);
    return compute(g, out, {{tg.tok, tokens.data()}, {tg.pos, tg.positions.data()}, {tg.pool, pooled.data()}});
  }

  Act act() const { return weights_.gelu_tanh ? Act::gelu_tanh : weights_.use_gelu ? Act::gelu_erf : Act::quick_gelu; }

  // SigLIP's vision tower: patches (with the convolution's bias) plus position embeddings, no class
  // token and no pre-LayerNorm, blocks, post-LayerNorm on every token, then the attention-pooling
  // head: a learned probe attends over the tokens (nn.MultiheadAttention), LayerNorm and MLP added
  // back. The head's output is the embedding (no projection).
  std::vector<std::vector<float>> run_vision_siglip(const std::vector<float>& patches, size_t n) {
    const ClipTower& v = weights_.vision;
    const int p = v.patch_size, side = v.image_size / p, n_patch = side * side, kp = 3 * p * p;
    const int64_t e = v.n_embd, h = v.n_head, d = e / h;
    std::vector<int32_t> positions(n_patch);
    for (int i = 0; i < n_patch; ++i) positions[i] = i;
    Graph g = new_graph();
    ggml_context* ctx = g.ctx.get();
    ggml_tensor* in = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, kp, n_patch, int64_t(n));
    ggml_set_input(in);
    ggml_tensor* pos = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_patch);
    ggml_set_input(pos);

    ggml_tensor* x = ggml_mul_mat(ctx, ggml_reshape_2d(ctx, v.patch_embd, kp, e), in);  // [e, n_patch, n]
    x = ggml_add(ctx, x, v.patch_b);
    x = ggml_add(ctx, x, ggml_get_rows(ctx, v.position_embd, pos));
    for (const ClipLayer& l : v.layers) x = encoder_block(ctx, kernels_, x, l, v, false, act());
    x = layer_norm(ctx, x, v.post_ln_w, v.post_ln_b, v.eps);

    // The fused input projection's rows: q, then k, then v (PyTorch's in_proj_weight order).
    auto rows = [&](ggml_tensor* w, int part) {
      return ggml_view_2d(ctx, w, e, e, w->nb[1], size_t(part) * size_t(e) * w->nb[1]);
    };
    auto bias = [&](int part) { return ggml_view_1d(ctx, v.head_qkv_b, e, size_t(part) * size_t(e) * ggml_element_size(v.head_qkv_b)); };
    ggml_tensor* probe = ggml_reshape_2d(ctx, as_f32(ctx, v.probe), e, 1);
    ggml_tensor* q = ggml_add(ctx, ggml_mul_mat(ctx, rows(v.head_qkv_w, 0), probe), bias(0));  // [e, 1]
    ggml_tensor* k = ggml_add(ctx, ggml_mul_mat(ctx, rows(v.head_qkv_w, 1), x), bias(1));      // [e, n_patch, n]
    ggml_tensor* val = ggml_add(ctx, ggml_mul_mat(ctx, rows(v.head_qkv_w, 2), x), bias(2));
    q = ggml_reshape_4d(ctx, q, d, h, 1, 1);
    q = ggml_repeat_4d(ctx, ggml_cont(ctx, ggml_permute(ctx, q, 0, 2, 1, 3)), d, 1, h, int64_t(n));          // [d, 1, h, n]
    k = ggml_permute(ctx, ggml_reshape_4d(ctx, k, d, h, n_patch, int64_t(n)), 0, 2, 1, 3);    // [d, n_patch, h, n]
    val = ggml_cont(ctx, ggml_permute(ctx, ggml_reshape_4d(ctx, val, d, h, n_patch, int64_t(n)), 1, 2, 0, 3));  // [n_patch, d, h, n]
    ggml_tensor* kq = ggml_soft_max_ext(ctx, ggml_mul_mat(ctx, k, q), nullptr, 1.0f / std::sqrt(float(d)), 0.0f);  // [n_patch, 1, h, n]
    ggml_tensor* o = ggml_cont(ctx, ggml_permute(ctx, ggml_mul_mat(ctx, val, kq), 0, 2, 1, 3));  // [d, h, 1, n]
    o = kernels_.linear(ctx, ggml_reshape_2d(ctx, o, e, int64_t(n)), v.head_o_w, v.head_o_b);           // [e, n]
    ggml_tensor* m = layer_norm(ctx, o, v.head_ln_w, v.head_ln_b, v.eps);
    m = kernels_.linear(ctx, activate(ctx, kernels_.linear(ctx, m, v.head_fc1_w, v.head_fc1_b), act()), v.head_fc2_w, v.head_fc2_b);
    ggml_tensor* out = ggml_add(ctx, o, m);
    return compute(g, out, {{in, patches.data()}, {pos, positions.data()}});
  }

  // SigLIP's text tower: every text padded to the full context with the pad token (as SigLIP was
  // trained: no attention mask), bidirectional blocks, final LayerNorm, the last position through
  // the head (a linear with bias).
  std::vector<std::vector<float>> run_text_siglip(const std::vector<std::vector<int32_t>>& ids) {
    const ClipTower& t = weights_.text;
    const size_t n = ids.size(), len = size_t(t.context_length);
    std::vector<int32_t> tokens(len * n, spm_->pad_id()), pooled(n);
    for (size_t b = 0; b < n; ++b) {
      std::copy(ids[b].begin(), ids[b].begin() + long(std::min(len, ids[b].size())), tokens.begin() + long(b * len));
      pooled[b] = int32_t(b * len + len - 1);
    }
    Graph g = new_graph();
    ggml_context* ctx = g.ctx.get();
    const TextGraph tg = text_graph(ctx, t, len, n);
    ggml_tensor* x = tg.x;
    for (const ClipLayer& l : t.layers) x = encoder_block(ctx, kernels_, x, l, t, false, act());
    x = layer_norm(ctx, tg.pooled(ctx, x, t.n_embd, len, n), t.post_ln_w, t.post_ln_b, t.eps);
    ggml_tensor* out = kernels_.linear(ctx, x, t.head_w, t.head_b);
    return compute(g, out, {{tg.tok, tokens.data()}, {tg.pos, tg.positions.data()}, {tg.pool, pooled.data()}});
  }

  // Chinese-CLIP: BERT embeddings (token + position, token type 0 already added into the positions
  // by the converter), LayerNorm, post-norm blocks with a padding mask, [CLS] projected.
  std::vector<std::vector<float>> run_text_bert(const std::vector<std::vector<int32_t>>& ids) {
    const ClipTower& t = weights_.text;
    const size_t n = ids.size();
    size_t len = 0;
    for (const auto& s : ids) len = std::max(len, s.size());
    std::vector<int32_t> tokens(len * n, wordpiece_->pad_id()), pooled(n);
    std::vector<float> mask(len * len * n, 0.0f);
    for (size_t b = 0; b < n; ++b) {
      std::copy(ids[b].begin(), ids[b].end(), tokens.begin() + long(b * len));
      pooled[b] = int32_t(b * len);  // [CLS]
      for (size_t q = 0; q < len; ++q)
        for (size_t k = ids[b].size(); k < len; ++k) mask[(b * len + q) * len + k] = -INFINITY;
    }

    Graph g = new_graph();
    ggml_context* ctx = g.ctx.get();
    const TextGraph tg = text_graph(ctx, t, len, n);
    ggml_tensor* kq_mask = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, int64_t(len), int64_t(len), 1, int64_t(n));
    ggml_set_input(kq_mask);
    ggml_tensor* x = layer_norm(ctx, tg.x, t.embd_ln_w, t.embd_ln_b, t.eps);
    for (const ClipLayer& l : t.layers) x = bert_block(ctx, kernels_, x, l, t, kq_mask);
    ggml_tensor* out = ggml_mul_mat(ctx, t.projection, tg.pooled(ctx, x, t.n_embd, len, n));
    return compute(g, out, {{tg.tok, tokens.data()}, {tg.pos, tg.positions.data()}, {tg.pool, pooled.data()},
                            {kq_mask, mask.data()}});
  }

  static bool uses_device(const ClipOptions& o) { return !o.device.empty() && o.device != "CPU"; }

  CpuKernels kernels_;
  BackendPtr cpu_, device_;
  ClipWeights weights_;
  std::unique_ptr<ClipTokenizer> tokenizer_;
  std::unique_ptr<WordPieceTokenizer> wordpiece_;
  std::unique_ptr<SentencePieceTokenizer> spm_;
  SchedPtr sched_;
  int batch_ = 16;
  std::mutex mutex_;
  std::vector<float> patches_;  // run_vision's unfolded patches
};

}  // namespace

const char* clip_family_name(ClipFamily family) {
  switch (family) {
    case ClipFamily::chinese_clip: return "chinese_clip";
    case ClipFamily::siglip: return "siglip";
    default: return "clip";
  }
}

ClipFamily parse_clip_family(const std::string& name) {
  for (ClipFamily f : {ClipFamily::clip, ClipFamily::chinese_clip, ClipFamily::siglip})
    if (name == clip_family_name(f)) return f;
  throw Error("unknown CLIP model family \"" + name + "\": lingbi knows clip, chinese_clip and siglip");
}

std::unique_ptr<ClipModel> ClipModel::load(const std::string& path, const ClipOptions& options) {
  return std::make_unique<GgmlClipModel>(path, options);
}

}  // namespace lingbi
