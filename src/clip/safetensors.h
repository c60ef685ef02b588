// Reader for Hugging Face's safetensors files: an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}}, then the raw tensor bytes.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace lingbi::clip {

struct SafetensorInfo {
  std::string dtype;            // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;   // outermost first, as PyTorch
  uint64_t begin = 0, end = 0;  // byte range in the data section
};

class SafetensorsFile {
 public:
  // Reads and checks the header. Throws lingbi::Error naming path when it is not a safetensors file.
  explicit SafetensorsFile(const std::string& path);

  const std::map<std::string, SafetensorInfo>& tensors() const { return tensors_; }
  // The tensor's values as floats (F32, F16 and BF16 are supported). Throws lingbi::Error otherwise.
  std::vector<float> read_f32(const std::string& name);

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t data_start_ = 0;
  std::map<std::string, SafetensorInfo> tensors_;
};

}  // namespace lingbi::clip
