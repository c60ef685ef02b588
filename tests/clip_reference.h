// An independent CLIP forward pass for tests: plain loops in double precision over the Hugging Face
// safetensors of a checkpoint folder (no ggml, no lingbi code), following transformers' CLIPModel.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace lingbi::test {

using Vec = std::vector<double>;
using Mat = std::vector<Vec>;  // rows

class ReferenceClip {
 public:
  explicit ReferenceClip(const std::filesystem::path& folder) {
    std::ifstream cf(folder / "config.json");
    const auto config = nlohmann::json::parse(cf);
    text_ = read_cfg(config["text_config"]);
    vision_ = read_cfg(config["vision_config"]);
    image_size_ = config["vision_config"]["image_size"].get<int>();
    patch_ = config["vision_config"]["patch_size"].get<int>();
    gelu_ = config["vision_config"]["hidden_act"].get<std::string>() == "gelu";
    load(folder / "model.safetensors");
  }

  // ids: framed token ids (start ... end). Pooled at the end token (the largest id, as HF's argmax).
  Vec embed_text(const std::vector<int32_t>& ids) const {
    const size_t n = ids.size();
    Mat x(n);
    size_t eot = 0;
    for (size_t i = 0; i < n; ++i) {
      x[i] = add(row("text_model.embeddings.token_embedding.weight", ids[i]),
                 row("text_model.embeddings.position_embedding.weight", int(i)));
      if (ids[i] > ids[eot]) eot = i;
    }
    for (int l = 0; l < text_.layers; ++l) x = block(x, "text_model.encoder.layers." + std::to_string(l) + ".", text_, true);
    Vec pooled = layer_norm(x[eot], "text_model.final_layer_norm", text_.eps);
    return normalise(linear(pooled, "text_projection.weight", false));
  }

  // pixels: 3 x size x size planar, already normalised.
  Vec embed_image(const std::vector<float>& px) const {
    const int side = image_size_ / patch_, e = vision_.hidden;
    const auto& w = tensors_.at("vision_model.embeddings.patch_embedding.weight");  // [e, 3, p, p]
    Mat x;
    x.push_back(tensors_.at("vision_model.embeddings.class_embedding"));
    for (int py = 0; py < side; ++py)
      for (int pxi = 0; pxi < side; ++pxi) {
        Vec v(e, 0.0);
        for (int o = 0; o < e; ++o)
          for (int c = 0; c < 3; ++c)
            for (int ky = 0; ky < patch_; ++ky)
              for (int kx = 0; kx < patch_; ++kx)
                v[o] += w[((size_t(o) * 3 + c) * patch_ + ky) * patch_ + kx] *
                        px[(size_t(c) * image_size_ + py * patch_ + ky) * image_size_ + pxi * patch_ + kx];
        x.push_back(v);
      }
    for (size_t i = 0; i < x.size(); ++i) x[i] = add(x[i], row("vision_model.embeddings.position_embedding.weight", int(i)));
    for (auto& t : x) t = layer_norm(t, "vision_model.pre_layrnorm", vision_.eps);
    for (int l = 0; l < vision_.layers; ++l) x = block(x, "vision_model.encoder.layers." + std::to_string(l) + ".", vision_, false);
    Vec pooled = layer_norm(x[0], "vision_model.post_layernorm", vision_.eps);
    return normalise(linear(pooled, "visual_projection.weight", false));
  }

  static double cosine(const Vec& a, const std::vector<float>& b) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += double(b[i]) * b[i];
    }
    return dot / std::sqrt(na * nb);
  }

 private:
  struct Cfg {
    int hidden = 0, heads = 0, layers = 0;
    double eps = 1e-5;
  };
  static Cfg read_cfg(const nlohmann::json& j) {
    return {j["hidden_size"].get<int>(), j["num_attention_heads"].get<int>(), j["num_hidden_layers"].get<int>(),
            j["layer_norm_eps"].get<double>()};
  }

  void load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
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
      tensors_[it.key()] = Vec(f.begin(), f.end());
    }
  }

  Vec row(const std::string& name, int r) const {
    const auto& t = tensors_.at(name);
    const int64_t cols = shapes_.at(name).back();
    return Vec(t.begin() + r * cols, t.begin() + (r + 1) * cols);
  }
  static Vec add(Vec a, const Vec& b) {
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return a;
  }
  // y = W x (+ b), W stored [out, in] as PyTorch's Linear.
  Vec linear(const Vec& x, const std::string& weight, bool bias = true, const std::string& bias_name = "") const {
    const auto& w = tensors_.at(weight);
    const int64_t out = shapes_.at(weight)[0], in = shapes_.at(weight)[1];
    Vec y(out, 0.0);
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i) y[o] += w[o * in + i] * x[i];
    if (bias) y = add(y, tensors_.at(bias_name));
    return y;
  }
  Vec linear_b(const Vec& x, const std::string& prefix) const {
    return linear(x, prefix + ".weight", true, prefix + ".bias");
  }
  Vec layer_norm(const Vec& x, const std::string& prefix, double eps) const {
    double mean = 0, var = 0;
    for (double v : x) mean += v;
    mean /= double(x.size());
    for (double v : x) var += (v - mean) * (v - mean);
    var /= double(x.size());
    const auto& w = tensors_.at(prefix + ".weight");
    const auto& b = tensors_.at(prefix + ".bias");
    Vec y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = (x[i] - mean) / std::sqrt(var + eps) * w[i] + b[i];
    return y;
  }
  double act(double v) const {
    return gelu_ ? 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))) : v / (1.0 + std::exp(-1.702 * v));
  }
  Mat block(const Mat& x, const std::string& p, const Cfg& c, bool causal) const {
    const size_t n = x.size();
    const int d = c.hidden / c.heads;
    Mat q(n), k(n), v(n), h(n);
    for (size_t i = 0; i < n; ++i) {
      h[i] = layer_norm(x[i], p + "layer_norm1", c.eps);
      q[i] = linear_b(h[i], p + "self_attn.q_proj");
      k[i] = linear_b(h[i], p + "self_attn.k_proj");
      v[i] = linear_b(h[i], p + "self_attn.v_proj");
    }
    Mat out(n, Vec(c.hidden, 0.0));
    for (int hd = 0; hd < c.heads; ++hd)
      for (size_t i = 0; i < n; ++i) {
        const size_t last = causal ? i : n - 1;
        Vec s(last + 1);
        double mx = -1e300;
        for (size_t j = 0; j <= last; ++j) {
          double dot = 0;
          for (int t = 0; t < d; ++t) dot += q[i][hd * d + t] * k[j][hd * d + t];
          s[j] = dot / std::sqrt(double(d));
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (size_t j = 0; j <= last; ++j)
          for (int t = 0; t < d; ++t) out[i][hd * d + t] += s[j] / sum * v[j][hd * d + t];
      }
    Mat y(n);
    for (size_t i = 0; i < n; ++i) {
      y[i] = add(x[i], linear_b(out[i], p + "self_attn.out_proj"));
      Vec f = linear_b(layer_norm(y[i], p + "layer_norm2", c.eps), p + "mlp.fc1");
      for (double& e : f) e = act(e);
      y[i] = add(y[i], linear_b(f, p + "mlp.fc2"));
    }
    return y;
  }
  static Vec normalise(Vec v) {
    double s = 0;
    for (double e : v) s += e * e;
    for (double& e : v) e /= std::sqrt(s);
    return v;
  }

  Cfg text_, vision_;
  int image_size_ = 0, patch_ = 0;
  bool gelu_ = false;
  std::map<std::string, Vec> tensors_;
  std::map<std::string, std::vector<int64_t>> shapes_;
};

}  // namespace lingbi::test
