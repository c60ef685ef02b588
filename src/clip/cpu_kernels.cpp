#include "cpu_kernels.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "ggml-backend.h"

#if LINGBI_CLIP_X86_KERNELS
#include "cpu_kernel_ops.h"
#endif

namespace lingbi::clip {

CpuKernels::CpuKernels(bool enabled) {
#if LINGBI_CLIP_X86_KERNELS
  if (!enabled) return;
  __builtin_cpu_init();
  attention_ = __builtin_cpu_supports("avx512f");
  bf16_ = attention_ && __builtin_cpu_supports("avx512bf16");
#else
  (void)enabled;
#endif
}

void CpuKernels::pack(ClipWeights& w) {
#if LINGBI_CLIP_X86_KERNELS
  if (!bf16_) return;
  std::vector<uint16_t> rows;
  auto pack_one = [&](ggml_tensor* t) {
    if (!t || t->type != GGML_TYPE_BF16 || !ggml_is_contiguous(t) || ggml_n_dims(t) != 2 || t->ne[0] % 2 != 0 ||
        t->ne[1] % 16 != 0 || !t->buffer || !ggml_backend_buffer_is_host(t->buffer))
      return;
    rows.resize(size_t(ggml_nelements(t)));
    std::memcpy(rows.data(), t->data, ggml_nbytes(t));
    pack_bf16_panels(rows.data(), static_cast<uint16_t*>(t->data), t->ne[0], t->ne[1]);
    packed_.insert(t);
  };
  for (ClipTower* tower : {&w.vision, &w.text})
    for (ClipLayer& l : tower->layers)
      for (ggml_tensor* t : {l.q_w, l.k_w, l.v_w, l.o_w, l.fc1_w, l.fc2_w}) pack_one(t);
#else
  (void)w;
#endif
}

ggml_tensor* CpuKernels::linear(ggml_context* ctx, ggml_tensor* x, ggml_tensor* w, ggml_tensor* b) const {
#if LINGBI_CLIP_X86_KERNELS
  if (packed_.count(w)) {
    // Packed weights are not in ggml's layout any more, so no other operator may take them.
    if (x->type != GGML_TYPE_F32)
      x = ggml_cast(ctx, x, GGML_TYPE_F32);  // a new contiguous tensor
    else if (!ggml_is_contiguous(x))
      x = ggml_cont(ctx, x);
    if (b && b->type != GGML_TYPE_F32) b = ggml_cast(ctx, b, GGML_TYPE_F32);
    ggml_tensor* args[3] = {x, w, b};
    return ggml_custom_4d(ctx, GGML_TYPE_F32, w->ne[1], x->ne[1], x->ne[2], x->ne[3], args, b ? 3 : 2, bf16_linear_op,
                          GGML_N_TASKS_MAX, nullptr);
  }
#endif
  ggml_tensor* y = ggml_mul_mat(ctx, w, x);
  return b ? ggml_add(ctx, y, b) : y;
}

ggml_tensor* CpuKernels::attention(ggml_context* ctx, ggml_tensor* q, ggml_tensor* k, ggml_tensor* v, int n_head) const {
#if LINGBI_CLIP_X86_KERNELS
  if (!attention_) return nullptr;
  for (ggml_tensor* t : {q, k, v})
    if (t->type != GGML_TYPE_F32 || !ggml_is_contiguous(t) || !ggml_are_same_shape(t, q)) return nullptr;
  if (n_head <= 0 || q->ne[0] % n_head != 0) return nullptr;
  ggml_tensor* args[3] = {q, k, v};
  return ggml_custom_4d(ctx, GGML_TYPE_F32, q->ne[0], q->ne[1], q->ne[2], q->ne[3], args, 3, attention_op,
                        GGML_N_TASKS_MAX, reinterpret_cast<void*>(intptr_t(n_head)));
#else
  (void)ctx, (void)q, (void)k, (void)v, (void)n_head;
  return nullptr;
#endif
}

}  // namespace lingbi::clip
