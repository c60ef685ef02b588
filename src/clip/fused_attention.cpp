// Unmasked self-attention, one (sequence, head) at a time per thread, fp32 AVX-512: the head's keys
// transposed once into blocks of 64, then for 4 queries at a time the scores (broadcast query
// values against key columns), softmax over the real keys, and the weighted sum of the value rows.
// Reads q, k and v where the linears wrote them (heads side by side in each token's row) and writes
// the output the same way, so no permuted copies are made.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cpu_kernel_ops.h"

namespace lingbi::clip {

namespace {

constexpr int kQueries = 4;

// e^x for x <= 0 (softmax after subtracting the maximum): x = n ln2 + r, e^r by its degree-6
// Taylor polynomial on |r| <= ln2/2 (relative error below 2e-7), times 2^n by scalef.
__m512 exp_nonpositive(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
  __m512 p = _mm512_set1_ps(1.0f / 720);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

// The first n lanes (none for n <= 0, all 16 for n >= 16).
__mmask16 tail_mask(int64_t n) { return n >= 16 ? __mmask16(0xffff) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

struct Head {
  const float *q, *k, *v;  // the head's first value in token 0's row
  float* out;
  int64_t d, n, row;       // head size, tokens, floats between tokens
};

void one_head(const Head& h, float scale, std::vector<float>& kt, std::vector<float>& p) {
  // Keys in blocks of 64: kt[(b * d + i) * 64 + j] is value i of key 64b + j, zero beyond the last
  // key, so that a block's d rows are contiguous (16 KiB at d = 64, in L1) and every loop below has
  // a fixed count the compiler keeps in registers.
  const int64_t d = h.d, n = h.n, blocks = (n + 63) / 64, width = blocks * 64;
  kt.assign(size_t(d * width), 0.0f);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < d; ++i) kt[size_t((j / 64 * d + i) * 64 + j % 64)] = h.k[j * h.row + i];
  p.resize(size_t(kQueries * width));
  // Raw pointers: the vectors are thread_local, and each access through them is a call to
  // __tls_get_addr that spilled every register of the loops below.
  const float* const keys = kt.data();
  float* const probs = p.data();
  for (int64_t q0 = 0; q0 < n; q0 += kQueries) {
    const float* qr[kQueries];
    for (int r = 0; r < kQueries; ++r) qr[r] = h.q + std::min(q0 + r, n - 1) * h.row;  // a short block repeats its last query
    // Scores, scaled, one block of 64 keys at a time.
    for (int64_t b = 0; b < blocks; ++b) {
      const float* kb = keys + b * d * 64;
      __m512 acc[kQueries][4];
      for (auto& row : acc)
        for (auto& a : row) a = _mm512_setzero_ps();
      for (int64_t i = 0; i < d; ++i) {
        __m512 kv[4];
        for (int c = 0; c < 4; ++c) kv[c] = _mm512_loadu_ps(kb + i * 64 + 16 * c);
        for (int r = 0; r < kQueries; ++r) {
          const __m512 qv = _mm512_set1_ps(qr[r][i]);
          for (int c = 0; c < 4; ++c) acc[r][c] = _mm512_fmadd_ps(qv, kv[c], acc[r][c]);
        }
      }
      for (int r = 0; r < kQueries; ++r)
        for (int c = 0; c < 4; ++c)
          _mm512_storeu_ps(probs + r * width + b * 64 + 16 * c, _mm512_mul_ps(acc[r][c], _mm512_set1_ps(scale)));
    }
    // Softmax over the n real keys of each query.
    const int64_t cols = width / 16;
    for (int r = 0; r < kQueries; ++r) {
      float* s = probs + r * width;
      __m512 mx = _mm512_set1_ps(-INFINITY);
      for (int64_t c = 0; c < cols; ++c) mx = _mm512_mask_max_ps(mx, tail_mask(n - 16 * c), mx, _mm512_loadu_ps(s + 16 * c));
      const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
      __m512 sum = _mm512_setzero_ps();
      for (int64_t c = 0; c < cols; ++c) {
        const __m512 e = _mm512_maskz_mov_ps(tail_mask(n - 16 * c), exp_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(s + 16 * c), m)));
        _mm512_storeu_ps(s + 16 * c, e);
        sum = _mm512_add_ps(sum, e);
      }
      const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
      for (int64_t c = 0; c < cols; ++c) _mm512_storeu_ps(s + 16 * c, _mm512_mul_ps(_mm512_loadu_ps(s + 16 * c), inv));
    }
    // out = p v, 64 values of the head at a time (lanes past d masked off).
    const int nq = int(std::min<int64_t>(kQueries, n - q0));
    for (int64_t i0 = 0; i0 < d; i0 += 64) {
      __mmask16 mask[4];
      for (int sl = 0; sl < 4; ++sl) mask[sl] = tail_mask(d - i0 - 16 * sl);
      __m512 acc[kQueries][4];
      for (auto& row : acc)
        for (auto& a : row) a = _mm512_setzero_ps();
      for (int64_t j = 0; j < n; ++j) {
        const float* vr = h.v + j * h.row + i0;
        __m512 vv[4];
        for (int sl = 0; sl < 4; ++sl) vv[sl] = _mm512_maskz_loadu_ps(mask[sl], vr + 16 * sl);
        for (int r = 0; r < kQueries; ++r) {
          const __m512 pv = _mm512_set1_ps(probs[r * width + j]);
          for (int sl = 0; sl < 4; ++sl) acc[r][sl] = _mm512_fmadd_ps(pv, vv[sl], acc[r][sl]);
        }
      }
      for (int r = 0; r < nq; ++r)
        for (int sl = 0; sl < 4; ++sl)
          _mm512_mask_storeu_ps(h.out + (q0 + r) * h.row + i0 + 16 * sl, mask[sl], acc[r][sl]);
    }
  }
}

}  // namespace

void attention_op(ggml_tensor* dst, int ith, int nth, void* userdata) {
  const ggml_tensor *q = dst->src[0], *k = dst->src[1], *v = dst->src[2];
  const int64_t heads = int64_t(reinterpret_cast<intptr_t>(userdata));
  const int64_t e = q->ne[0], n = q->ne[1], seqs = q->ne[2] * q->ne[3], d = e / heads;
  const float scale = 1.0f / std::sqrt(float(d));
  thread_local std::vector<float> kt, p;
  for (int64_t item = ith; item < seqs * heads; item += nth) {
    const int64_t s = item / heads, hd = item % heads, at = s * n * e + hd * d;
    const Head h{static_cast<const float*>(q->data) + at, static_cast<const float*>(k->data) + at,
                 static_cast<const float*>(v->data) + at, static_cast<float*>(dst->data) + at, d, n, e};
    one_head(h, scale, kt, p);
  }
}

}  // namespace lingbi::clip
