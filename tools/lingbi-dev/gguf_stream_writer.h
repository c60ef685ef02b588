// A GGUF file of real-model size written tensor by tensor: the metadata through ggml's gguf writer,
// then each tensor's seeded noise generated and appended in chunks, so a 15 GB model needs only
// a few megabytes of memory (GgufBuilder, for tiny models, holds everything in memory instead).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lingbi/util/ggml_handles.h"

namespace lingbi::dev {

class GgufStreamWriter {
 public:
  GgufStreamWriter();

  gguf_context* gguf() { return gguf_.get(); }

  // Declares tensor `name` of shape `ne` (ne[0] first) and `type` (f32, f16, or q8_0 packed by
  // ggml's quantizer; f16 for rows whose length q8_0 blocks do not divide), filled at write() with
  // uniform noise in [-scale, scale] around `fill` (the constant `fill` when scale is 0).
  // Rows (index along ne[1]) marked in `quiet_rows` are scaled down to 2%.
  void add(const std::string& name, std::vector<int64_t> ne, float scale, float fill = 0.0f,
           ggml_type type = GGML_TYPE_F32, std::vector<bool> quiet_rows = {});

  // Writes the file: metadata, then every tensor's data in order, with noise from `seed`.
  // Throws lingbi::Error naming `path` when it cannot be written (a full disk included).
  void write(const std::filesystem::path& path, uint64_t seed) const;

  // Total bytes of tensor data declared so far.
  size_t data_bytes() const { return data_bytes_; }

 private:
  struct Fill {
    float scale, fill;
    std::vector<bool> quiet_rows;
  };
  GgmlPtr meta_;  // tensor descriptions only (no data)
  GgufPtr gguf_;
  std::vector<Fill> fills_;
  size_t data_bytes_ = 0;
};

}  // namespace lingbi::dev
