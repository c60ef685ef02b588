#include "safetensors.h"

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ggml.h"
#include "lingbi/util/error.h"

namespace lingbi::clip {

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path), in_(path, std::ios::binary) {
  if (!in_) throw Error("cannot open " + path + ": check that the Hugging Face folder has model.safetensors");
  const uint64_t file_size = std::filesystem::file_size(path);
  unsigned char len_bytes[8] = {};
  in_.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t len = 0;
  for (int i = 7; i >= 0; --i) len = (len << 8) | len_bytes[i];
  if (!in_ || len == 0 || len > file_size - 8 || len > (100u << 20))
    throw Error(path + " is not a safetensors file (bad header length)");
  std::string header(len, '\0');
  in_.read(header.data(), std::streamsize(len));
  data_start_ = 8 + len;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(header);
  } catch (const std::exception& e) {
    throw Error(path + " is not a safetensors file (header is not JSON: " + e.what() + ")");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    SafetensorInfo info;
    try {
      info.dtype = it.value().at("dtype").get<std::string>();
      info.shape = it.value().at("shape").get<std::vector<int64_t>>();
      auto off = it.value().at("data_offsets").get<std::vector<uint64_t>>();
      if (off.size() != 2) throw std::runtime_error("data_offsets");
      info.begin = off[0];
      info.end = off[1];
    } catch (const std::exception&) {
      throw Error(path + ": the header entry for tensor " + it.key() + " is malformed");
    }
    if (info.end < info.begin || data_start_ + info.end > file_size)
      throw Error(path + " is truncated: tensor " + it.key() + " lies past the end of the file");
    tensors_.emplace(it.key(), std::move(info));
  }
}

std::vector<float> SafetensorsFile::read_f32(const std::string& name) {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw Error(path_ + " has no tensor " + name);
  const SafetensorInfo& t = it->second;
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  const size_t elem = t.dtype == "F32" ? 4 : (t.dtype == "F16" || t.dtype == "BF16") ? 2 : 0;
  if (elem == 0) throw Error(path_ + ": tensor " + name + " has type " + t.dtype + "; only F32, F16 and BF16 are supported");
  if (t.end - t.begin != uint64_t(n) * elem) throw Error(path_ + ": tensor " + name + " has the wrong byte size for its shape");
  std::vector<char> raw(t.end - t.begin);
  in_.seekg(std::streamoff(data_start_ + t.begin));
  in_.read(raw.data(), std::streamsize(raw.size()));
  if (!in_) throw Error(path_ + ": reading tensor " + name + " failed");
  std::vector<float> out(static_cast<size_t>(n));
  if (t.dtype == "F32") std::memcpy(out.data(), raw.data(), raw.size());
  else if (t.dtype == "F16") ggml_fp16_to_fp32_row(reinterpret_cast<const ggml_fp16_t*>(raw.data()), out.data(), n);
  else ggml_bf16_to_fp32_row(reinterpret_cast<const ggml_bf16_t*>(raw.data()), out.data(), n);
  return out;
}

}  // namespace lingbi::clip
