// The ggml custom operators behind CpuKernels (compiled with AVX-512 flags, on x86-64 only: call
// them only where CpuKernels found the CPU features).
#pragma once

#include <cstdint>

#include "ggml.h"

namespace lingbi::clip {

// The packed layout of a bf16 matrix w [k, n_out] (k even, n_out a multiple of 16): panel p holds
// outputs 16p..16p+15; inside it, for each pair of inputs kk, the 16 outputs' (w[2kk], w[2kk+1]).
// Element (o, i) lands at ((o / 16 * (k / 2) + i / 2) * 16 + o % 16) * 2 + i % 2.
void pack_bf16_panels(const uint16_t* rows, uint16_t* packed, int64_t k, int64_t n_out);

// dst [n_out, rows...] = src[0] [k, rows...] (f32, contiguous) times the packed src[1], plus
// src[2] [n_out] (f32) when present.
void bf16_linear_op(ggml_tensor* dst, int ith, int nth, void* userdata);

// dst = attention of src[0..2] = q, k, v; userdata is the head count (cast to a pointer).
void attention_op(ggml_tensor* dst, int ith, int nth, void* userdata);

}  // namespace lingbi::clip
