// What the tests' independent reference forward passes share (clip_reference.h, siglip_reference.h,
// chinese_clip_reference.h): a Hugging Face checkpoint's F32 tensors from its model.safetensors, in
// double precision, and the plain-loop operations over them (no ggml, no lingbi code).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lingbi::test {

class ReferenceWeights {
 public:
  using Vec = std::vector<double>;

  explicit ReferenceWeights(const std::filesystem::path& safetensors) {
    std::ifstream in(safetensors, std::ios::binary);
    uint64_t len = 0;
    in.read(reinterpret_cast<char*>(&len), 8);
    std::string header(len, '\0');
    in.read(header.data(), std::streamsize(len));
    const auto h = nlohmann::json::parse(header);
    for (auto it = h.begin(); it != h.end(); ++it) {
      if (it.key() == "__metadata__" || it.value()["dtype"] != "F32") continue;
      const auto off = it.value()["data_offsets"].get<std::vector<uint64_t>>();
      std::vector<float> f((off[1] - off[0]) / 4);
      in.seekg(std::streamoff(8 + len + off[0]));
      in.read(reinterpret_cast<char*>(f.data()), std::streamsize(off[1] - off[0]));
      shapes_[it.key()] = it.value()["shape"].get<std::vector<int64_t>>();
      t_[it.key()] = Vec(f.begin(), f.end());
    }
  }

 protected:
  // Row r of a 2-D tensor (an embedding).
  Vec row(const std::string& name, int r) const {
    const auto& t = t_.at(name);
    const int64_t cols = shapes_.at(name).back();
    return Vec(t.begin() + r * cols, t.begin() + (r + 1) * cols);
  }
  static Vec add(Vec a, const Vec& b) {
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return a;
  }
  // y = W x (+ b), W stored [out, in] as PyTorch's Linear; no bias when `bias` is empty.
  Vec linear(const Vec& x, const std::string& weight, const std::string& bias) const {
    const auto& w = t_.at(weight);
    const int64_t out = shapes_.at(weight)[0], in = shapes_.at(weight)[1];
    Vec y(out, 0.0);
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i) y[o] += w[o * in + i] * x[i];
    return bias.empty() ? y : add(y, t_.at(bias));
  }
  Vec dense(const Vec& x, const std::string& prefix) const { return linear(x, prefix + ".weight", prefix + ".bias"); }
  Vec layer_norm(const Vec& x, const std::string& prefix, double eps) const {
    double mean = 0, var = 0;
    for (double v : x) mean += v;
    mean /= double(x.size());
    for (double v : x) var += (v - mean) * (v - mean);
    var /= double(x.size());
    const auto& w = t_.at(prefix + ".weight");
    const auto& b = t_.at(prefix + ".bias");
    Vec y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = (x[i] - mean) / std::sqrt(var + eps) * w[i] + b[i];
    return y;
  }
  static Vec normalise(Vec v) {
    double s = 0;
    for (double e : v) s += e * e;
    for (double& e : v) e /= std::sqrt(s);
    return v;
  }
  // Scaled dot-product attention over `heads` heads of q's rows against k and v's; with `causal`
  // row i sees keys 0..i only.
  static std::vector<Vec> attend(const std::vector<Vec>& q, const std::vector<Vec>& k, const std::vector<Vec>& v,
                                 int heads, bool causal) {
    const int hidden = int(q[0].size()), d = hidden / heads;
    std::vector<Vec> out(q.size(), Vec(size_t(hidden), 0.0));
    for (int hd = 0; hd < heads; ++hd)
      for (size_t i = 0; i < q.size(); ++i) {
        const size_t keys = causal ? i + 1 : k.size();
        Vec s(keys);
        double mx = -1e300;
        for (size_t j = 0; j < keys; ++j) {
          double dot = 0;
          for (int t = 0; t < d; ++t) dot += q[i][hd * d + t] * k[j][hd * d + t];
          s[j] = dot / std::sqrt(double(d));
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (size_t j = 0; j < keys; ++j)
          for (int t = 0; t < d; ++t) out[i][hd * d + t] += s[j] / sum * v[j][hd * d + t];
      }
    return out;
  }

  std::map<std::string, Vec> t_;
  std::map<std::string, std::vector<int64_t>> shapes_;
};

}  // namespace lingbi::test
