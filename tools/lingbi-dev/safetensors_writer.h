// A seeded writer of random-weight safetensors files (Hugging Face's format: an 8-byte header
// length, a JSON header, the raw tensors), for the tiny fixtures.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "lingbi/util/error.h"

namespace lingbi::dev {

struct Tensor {
  std::string dtype = "F32";
  std::vector<int64_t> shape;
  std::vector<char> bytes;
};

class SafetensorsWriter {
 public:
  explicit SafetensorsWriter(uint32_t seed) : rng_(seed) {}

  void normal(const std::string& name, std::vector<int64_t> shape, float stddev, float mean = 0.0f) {
    std::normal_distribution<float> dist(mean, stddev);
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = dist(rng_);
    Tensor t;
    t.shape = std::move(shape);
    t.bytes.assign(reinterpret_cast<const char*>(v.data()), reinterpret_cast<const char*>(v.data() + v.size()));
    tensors_[name] = std::move(t);
  }
  void position_ids(const std::string& name, int64_t n) {
    Tensor t;
    t.dtype = "I64";
    t.shape = {1, n};
    for (int64_t i = 0; i < n; ++i) t.bytes.insert(t.bytes.end(), reinterpret_cast<const char*>(&i), reinterpret_cast<const char*>(&i) + 8);
    tensors_[name] = std::move(t);
  }
  void write(const std::filesystem::path& path) const {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    header["__metadata__"] = {{"format", "pt"}};
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors_) {
      header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
      offset += t.bytes.size();
    }
    std::string h = header.dump();
    while (h.size() % 8) h += ' ';
    std::ofstream out(path, std::ios::binary);
    const uint64_t len = h.size();
    for (int i = 0; i < 8; ++i) out.put(char((len >> (8 * i)) & 0xFF));
    out << h;
    for (const auto& [name, t] : tensors_) out.write(t.bytes.data(), std::streamsize(t.bytes.size()));
    if (!out) throw Error("cannot write " + path.string());
  }

 private:
  std::mt19937 rng_;
  std::map<std::string, Tensor> tensors_;
};

}  // namespace lingbi::dev
