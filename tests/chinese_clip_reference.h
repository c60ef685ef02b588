// An independent forward pass of Chinese-CLIP's text tower for tests: plain loops in double precision
// over the Hugging Face safetensors (no ggml, no lingbi code), following transformers'
// ChineseCLIPTextModel (BERT: word + position + token-type-0 embeddings, LayerNorm, post-norm blocks
// with exact erf GELU, padding ignored) and ChineseCLIPModel.get_text_features ([CLS] state times
// text_projection). The image tower is CLIP's: ReferenceClip::embed_image serves it.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lingbi::test {

class ReferenceBertText {
 public:
  using Vec = std::vector<double>;

  explicit ReferenceBertText(const std::filesystem::path& folder) {
    std::ifstream cf(folder / "config.json");
    const auto tc = nlohmann::json::parse(cf)["text_config"];
    hidden_ = tc["hidden_size"].get<int>();
    heads_ = tc["num_attention_heads"].get<int>();
    layers_ = tc["num_hidden_layers"].get<int>();
    eps_ = tc["layer_norm_eps"].get<double>();
    std::ifstream in(folder / "model.safetensors", std::ios::binary);
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

  // ids: [CLS] ... [SEP], no padding (attention over exactly these tokens). L2-normalised.
  Vec embed(const std::vector<int32_t>& ids) const {
    const std::string p = "text_model.";
    std::vector<Vec> x(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      x[i] = add(add(row(p + "embeddings.word_embeddings.weight", ids[i]), row(p + "embeddings.position_embeddings.weight", int(i))),
                 row(p + "embeddings.token_type_embeddings.weight", 0));
      x[i] = layer_norm(x[i], p + "embeddings.LayerNorm");
    }
    for (int l = 0; l < layers_; ++l) x = block(x, p + "encoder.layer." + std::to_string(l) + ".");
    Vec out = linear(x[0], "text_projection.weight", "");
    double s = 0;
    for (double v : out) s += v * v;
    for (double& v : out) v /= std::sqrt(s);
    return out;
  }

 private:
  Vec row(const std::string& name, int r) const {
    const auto& t = t_.at(name);
    const int64_t cols = shapes_.at(name).back();
    return Vec(t.begin() + r * cols, t.begin() + (r + 1) * cols);
  }
  static Vec add(Vec a, const Vec& b) {
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return a;
  }
  Vec linear(const Vec& x, const std::string& weight, const std::string& bias) const {
    const auto& w = t_.at(weight);
    const int64_t out = shapes_.at(weight)[0], in = shapes_.at(weight)[1];
    Vec y(out, 0.0);
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i) y[o] += w[o * in + i] * x[i];
    return bias.empty() ? y : add(y, t_.at(bias));
  }
  Vec dense(const Vec& x, const std::string& prefix) const { return linear(x, prefix + ".weight", prefix + ".bias"); }
  Vec layer_norm(const Vec& x, const std::string& prefix) const {
    double mean = 0, var = 0;
    for (double v : x) mean += v;
    mean /= double(x.size());
    for (double v : x) var += (v - mean) * (v - mean);
    var /= double(x.size());
    const auto& w = t_.at(prefix + ".weight");
    const auto& b = t_.at(prefix + ".bias");
    Vec y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = (x[i] - mean) / std::sqrt(var + eps_) * w[i] + b[i];
    return y;
  }
  std::vector<Vec> block(const std::vector<Vec>& x, const std::string& p) const {
    const size_t n = x.size();
    const int d = hidden_ / heads_;
    std::vector<Vec> q(n), k(n), v(n);
    for (size_t i = 0; i < n; ++i) {
      q[i] = dense(x[i], p + "attention.self.query");
      k[i] = dense(x[i], p + "attention.self.key");
      v[i] = dense(x[i], p + "attention.self.value");
    }
    std::vector<Vec> out(n, Vec(hidden_, 0.0));
    for (int hd = 0; hd < heads_; ++hd)
      for (size_t i = 0; i < n; ++i) {
        Vec s(n);
        double mx = -1e300;
        for (size_t j = 0; j < n; ++j) {
          double dot = 0;
          for (int t = 0; t < d; ++t) dot += q[i][hd * d + t] * k[j][hd * d + t];
          s[j] = dot / std::sqrt(double(d));
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (size_t j = 0; j < n; ++j)
          for (int t = 0; t < d; ++t) out[i][hd * d + t] += s[j] / sum * v[j][hd * d + t];
      }
    std::vector<Vec> y(n);
    for (size_t i = 0; i < n; ++i) {
      Vec a = layer_norm(add(x[i], dense(out[i], p + "attention.output.dense")), p + "attention.output.LayerNorm");
      Vec f = dense(a, p + "intermediate.dense");
      for (double& e : f) e = 0.5 * e * (1.0 + std::erf(e / std::sqrt(2.0)));
      y[i] = layer_norm(add(a, dense(f, p + "output.dense")), p + "output.LayerNorm");
    }
    return y;
  }

  int hidden_ = 0, heads_ = 0, layers_ = 0;
  double eps_ = 1e-12;
  std::map<std::string, Vec> t_;
  std::map<std::string, std::vector<int64_t>> shapes_;
};

}  // namespace lingbi::test
