// A seeded writer of random-weight safetensors files (Hugging Face's format: an 8-byte header
// length, a JSON header, the raw tensors), for the tiny fixtures.
#pragma once

#include <cmath>
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

// The blocks of a CLIP-style encoder (CLIP's and SigLIP's towers, Chinese-CLIP's image tower) under
// PREFIX.encoder.layers.N.: attention projections, the two LayerNorms and the MLP, in one fixed
// order, so that a seed always gives the same weights. Matrices have a fixed spread (the fixtures'),
// or with fan_in_scale 1/sqrt(fan-in) (see TinyClipOptions::fan_in_scale).
inline void add_encoder_layers(SafetensorsWriter& w, const std::string& prefix, int layers, int64_t e, int64_t ff,
                               bool fan_in_scale = false) {
  auto spread = [&](float fixed, int64_t fan_in) { return fan_in_scale ? 1.0f / std::sqrt(float(fan_in)) : fixed; };
  for (int i = 0; i < layers; ++i) {
    const std::string b = prefix + ".encoder.layers." + std::to_string(i) + ".";
    for (const char* p : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      w.normal(b + "self_attn." + p + ".weight", {e, e}, spread(0.15f, e));
      w.normal(b + "self_attn." + p + ".bias", {e}, 0.05f);
    }
    for (const char* n : {"layer_norm1", "layer_norm2"}) {
      w.normal(b + n + ".weight", {e}, 0.1f, 1.0f);
      w.normal(b + n + ".bias", {e}, 0.1f);
    }
    w.normal(b + "mlp.fc1.weight", {ff, e}, spread(0.15f, e));
    w.normal(b + "mlp.fc1.bias", {ff}, 0.05f);
    w.normal(b + "mlp.fc2.weight", {e, ff}, spread(0.1f, ff));
    w.normal(b + "mlp.fc2.bias", {e}, 0.05f);
  }
}

// A Hugging Face folder's JSON file (config.json, vocab.json, ...), keys in the order given.
inline void write_json_file(const std::filesystem::path& path, const nlohmann::ordered_json& j) {
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) throw Error("cannot write " + path.string());
}

}  // namespace lingbi::dev
