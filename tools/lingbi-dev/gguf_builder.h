// A GGUF file under construction: key/values plus tensors filled with seeded noise.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lingbi/util/ggml_handles.h"
#include "noise.h"

namespace lingbi::dev {

class GgufBuilder {
 public:
  // `data_bytes` bounds the total tensor data (plus per-tensor overhead added internally).
  GgufBuilder(uint64_t seed, size_t data_bytes);

  gguf_context* gguf() { return gguf_.get(); }

  // Adds tensor `name` of shape `ne` (ne[0] first, as ggml counts) filled with uniform noise in
  // [-scale, scale], or with the constant `fill` when scale is 0. The tensor stays writable until
  // write().
  ggml_tensor* add(const std::string& name, std::vector<int64_t> ne, float scale, float fill = 0.0f,
                   ggml_type type = GGML_TYPE_F32);

  // Writes the file; throws lingbi::Error naming `path` on failure.
  void write(const std::filesystem::path& path) const;

 private:
  GgmlPtr ggml_;
  GgufPtr gguf_;
  Noise noise_;
};

}  // namespace lingbi::dev
