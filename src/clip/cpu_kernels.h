// lingbi's own CPU kernels for the CLIP towers, used in the graph where ggml's generic operators
// leave speed behind on x86 with AVX-512:
// - linears whose weights are bf16: the weights are packed once, at load, into 16-output panels
//   of k pairs, and multiplied with AVX512_BF16 dot products into accumulators kept over all of k
//   (ggml's tinyBLAS reduces each tile across the vector after every sweep, which halved the
//   bf16 rate in a profile);
// - self-attention without a mask (the vision towers): scores, softmax and the weighted sum of
//   values for one head at a time in registers, straight from the q/k/v rows (ggml falls back to
//   one dot product per pair of rows when the token count is not a multiple of 4, as CLIP's 50,
//   197 or 577 never are).
// Elsewhere (another CPU, another device, or ClipOptions::cpu_kernels off), ggml's operators run.
#pragma once

#include <cstdint>
#include <unordered_set>

#include "clip_weights.h"
#include "ggml.h"

namespace lingbi::clip {

class CpuKernels {
 public:
  // Which kernels this CPU runs (AVX-512F for attention, AVX512_BF16 as well for the linears);
  // `enabled` false turns both off.
  explicit CpuKernels(bool enabled);

  // Packs, in place, the bf16 matrices of every block of `w` that the linear kernel can take (16n
  // outputs, an even input size, in host memory). Afterwards those tensors hold the packed layout:
  // only linear() below may read them.
  void pack(ClipWeights& w);

  // x [k, ...] times w [k, n_out] plus b (optional), [n_out, ...]: the kernel for packed w,
  // ggml_mul_mat (and ggml_add) otherwise.
  ggml_tensor* linear(ggml_context* ctx, ggml_tensor* x, ggml_tensor* w, ggml_tensor* b) const;

  // Unmasked multi-head self-attention of q, k, v [n_embd, n_tokens, n_seq] (contiguous f32), the
  // heads side by side in each row: softmax(q k^T / sqrt(d)) v, [n_embd, n_tokens, n_seq]. Null
  // when the kernel does not run here; the caller then builds it from ggml's operators.
  ggml_tensor* attention(ggml_context* ctx, ggml_tensor* q, ggml_tensor* k, ggml_tensor* v, int n_head) const;

  bool bf16_linear() const { return bf16_; }
  bool fused_attention() const { return attention_; }
  size_t packed_count() const { return packed_.size(); }

 private:
  bool bf16_ = false, attention_ = false;
  std::unordered_set<const ggml_tensor*> packed_;
};

}  // namespace lingbi::clip
