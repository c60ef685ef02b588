// The packed bf16 linear: AVX512_BF16 dot products (vdpbf16ps: 32 multiply-adds a 512-bit
// instruction, twice fp32 FMA's rate) into accumulators kept over all of k. A tile is up to 6 rows
// of activations times 4 panels (64 outputs): 24 accumulators, 4 panel loads and 6 broadcast pairs
// each k pair. Each thread takes its own rows, rounds them to bf16 itself, and walks the weights
// for a chunk of rows small enough to stay in its L2 cache.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu_kernel_ops.h"

namespace lingbi::clip {

namespace {

constexpr int kRows = 6, kPanels = 4;

void rows_to_bf16(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
    _mm512_storeu_si512(dst + i, (__m512i)v);
  }
  for (; i < n; ++i) dst[i] = ggml_fp32_to_bf16(src[i]).bits;  // the same rounding, to nearest even
}

// out[r][16p + j] = bias + sum over k of a[r][k] * w[16p + j][k], for R rows and P panels.
template <int R, int P>
void tile(const uint16_t* a, int64_t lda, const uint16_t* w, int64_t panel_stride, int64_t pairs, float* out,
          int64_t ldo, const float* bias) {
  __m512 acc[R][P];
  for (int r = 0; r < R; ++r)
    for (int p = 0; p < P; ++p) acc[r][p] = _mm512_setzero_ps();
  for (int64_t kk = 0; kk < pairs; ++kk) {
    __m512bh wv[P];
    for (int p = 0; p < P; ++p) wv[p] = (__m512bh)_mm512_loadu_si512(w + p * panel_stride + kk * 32);
    for (int r = 0; r < R; ++r) {
      int32_t pair;
      std::memcpy(&pair, a + r * lda + 2 * kk, 4);
      const __m512bh av = (__m512bh)_mm512_set1_epi32(pair);
      for (int p = 0; p < P; ++p) acc[r][p] = _mm512_dpbf16_ps(acc[r][p], av, wv[p]);
    }
  }
  for (int p = 0; p < P; ++p) {
    const __m512 b = bias ? _mm512_loadu_ps(bias + 16 * p) : _mm512_setzero_ps();
    for (int r = 0; r < R; ++r) _mm512_storeu_ps(out + r * ldo + 16 * p, _mm512_add_ps(acc[r][p], b));
  }
}

template <int R>
void tile_panels(int panels, const uint16_t* a, int64_t lda, const uint16_t* w, int64_t panel_stride, int64_t pairs,
                 float* out, int64_t ldo, const float* bias) {
  switch (panels) {
    case 4: return tile<R, 4>(a, lda, w, panel_stride, pairs, out, ldo, bias);
    case 3: return tile<R, 3>(a, lda, w, panel_stride, pairs, out, ldo, bias);
    case 2: return tile<R, 2>(a, lda, w, panel_stride, pairs, out, ldo, bias);
    default: return tile<R, 1>(a, lda, w, panel_stride, pairs, out, ldo, bias);
  }
}

void tile_any(int rows, int panels, const uint16_t* a, int64_t lda, const uint16_t* w, int64_t panel_stride,
              int64_t pairs, float* out, int64_t ldo, const float* bias) {
  switch (rows) {
    case 6: return tile_panels<6>(panels, a, lda, w, panel_stride, pairs, out, ldo, bias);
    case 5: return tile_panels<5>(panels, a, lda, w, panel_stride, pairs, out, ldo, bias);
    case 4: return tile_panels<4>(panels, a, lda, w, panel_stride, pairs, out, ldo, bias);
    case 3: return tile_panels<3>(panels, a, lda, w, panel_stride, pairs, out, ldo, bias);
    case 2: return tile_panels<2>(panels, a, lda, w, panel_stride, pairs, out, ldo, bias);
    default: return tile_panels<1>(panels, a, lda, w, panel_stride, pairs, out, ldo, bias);
  }
}

}  // namespace

void pack_bf16_panels(const uint16_t* rows, uint16_t* packed, int64_t k, int64_t n_out) {
  const int64_t pairs = k / 2;
  for (int64_t o = 0; o < n_out; ++o)
    for (int64_t i = 0; i < k; ++i) packed[((o / 16 * pairs + i / 2) * 16 + o % 16) * 2 + i % 2] = rows[o * k + i];
}

void bf16_linear_op(ggml_tensor* dst, int ith, int nth, void*) {
  const ggml_tensor* x = dst->src[0];
  const ggml_tensor* w = dst->src[1];
  const ggml_tensor* b = dst->src[2];
  const int64_t k = x->ne[0], n_out = dst->ne[0], rows = ggml_nrows(x);
  const int64_t first = rows * ith / nth, last = rows * (ith + 1) / nth;
  if (first >= last) return;
  const int64_t pairs = k / 2, panel_stride = pairs * 32, panels = n_out / 16;
  const auto* weights = static_cast<const uint16_t*>(w->data);
  const float* bias = b ? static_cast<const float*>(b->data) : nullptr;
  // Rows per chunk: their bf16 copy within about 256 KiB, so it stays in L2 while the weights
  // stream past; a multiple of the tile's rows.
  const int64_t chunk = std::max<int64_t>(kRows, (256 * 1024 / (2 * k)) / kRows * kRows);
  thread_local std::vector<uint16_t> act;
  act.resize(size_t(std::min(chunk, last - first) * k));
  uint16_t* const rows_bf16 = act.data();  // not through the thread_local in the loops: each access is a call
  for (int64_t r0 = first; r0 < last; r0 += chunk) {
    const int64_t n = std::min(chunk, last - r0);
    const auto* src = static_cast<const float*>(x->data) + r0 * k;
    for (int64_t r = 0; r < n; ++r) rows_to_bf16(src + r * k, rows_bf16 + r * k, k);
    float* out = static_cast<float*>(dst->data) + r0 * n_out;
    for (int64_t p = 0; p < panels; p += kPanels) {
      const int np = int(std::min<int64_t>(kPanels, panels - p));
      for (int64_t r = 0; r < n; r += kRows)
        tile_any(int(std::min<int64_t>(kRows, n - r)), np, rows_bf16 + r * k, k, weights + p * panel_stride,
                 panel_stride, pairs, out + r * n_out + p * 16, n_out, bias ? bias + p * 16 : nullptr);
    }
  }
}

}  // namespace lingbi::clip
