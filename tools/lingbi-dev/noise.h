// Seeded uniform noise for random-weight models: the same numbers for a seed on every platform.
#pragma once

#include <cstdint>
#include <random>

#include "lingbi/util/ggml_handles.h"

namespace lingbi::dev {

class Noise {
 public:
  explicit Noise(uint64_t seed) : rng_(seed) {}

  // Uniform in [fill - scale, fill + scale]; exactly `fill` when scale is 0. Drawn from the raw
  // 64-bit stream (not std::uniform_real_distribution, whose output differs between libraries).
  float next(float scale, float fill) {
    if (scale == 0.0f) return fill;
    const double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0);
    return static_cast<float>((2.0 * u - 1.0) * scale + fill);
  }

  // Fills n values of `type` (GGML_TYPE_F32 or GGML_TYPE_F16) at dst; returns false for other types.
  bool fill(void* dst, ggml_type type, int64_t n, float scale, float fill) {
    if (type == GGML_TYPE_F32) {
      auto* d = static_cast<float*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = next(scale, fill);
    } else if (type == GGML_TYPE_F16) {
      auto* d = static_cast<ggml_fp16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = ggml_fp32_to_fp16(next(scale, fill));
    } else {
      return false;
    }
    return true;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace lingbi::dev
