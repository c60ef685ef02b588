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

#include "reference_weights.h"

namespace lingbi::test {

using Vec = std::vector<double>;
using Mat = std::vector<Vec>;  // rows

class ReferenceClip : public ReferenceWeights {
 public:
  explicit ReferenceClip(const std::filesystem::path& folder) : ReferenceWeights(folder / "model.safetensors") {
    std::ifstream cf(folder / "config.json");
    const auto config = nlohmann::json::parse(cf);
    text_ = read_cfg(config["text_config"]);
    vision_ = read_cfg(config["vision_config"]);
    image_size_ = config["vision_config"]["image_size"].get<int>();
    patch_ = config["vision_config"]["patch_size"].get<int>();
    gelu_ = config["vision_config"]["hidden_act"].get<std::string>() == "gelu";
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
    return normalise(linear(pooled, "text_projection.weight", ""));
  }

  // pixels: 3 x size x size planar, already normalised.
  Vec embed_image(const std::vector<float>& px) const {
    const int side = image_size_ / patch_, e = vision_.hidden;
    const auto& w = t_.at("vision_model.embeddings.patch_embedding.weight");  // [e, 3, p, p]
    Mat x;
    x.push_back(t_.at("vision_model.embeddings.class_embedding"));
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
    return normalise(linear(pooled, "visual_projection.weight", ""));
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

  double act(double v) const {
    return gelu_ ? 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))) : v / (1.0 + std::exp(-1.702 * v));
  }
  Mat block(const Mat& x, const std::string& p, const Cfg& c, bool causal) const {
    const size_t n = x.size();
    Mat q(n), k(n), v(n), h(n);
    for (size_t i = 0; i < n; ++i) {
      h[i] = layer_norm(x[i], p + "layer_norm1", c.eps);
      q[i] = dense(h[i], p + "self_attn.q_proj");
      k[i] = dense(h[i], p + "self_attn.k_proj");
      v[i] = dense(h[i], p + "self_attn.v_proj");
    }
    const Mat out = attend(q, k, v, c.heads, causal);
    Mat y(n);
    for (size_t i = 0; i < n; ++i) {
      y[i] = add(x[i], dense(out[i], p + "self_attn.out_proj"));
      Vec f = dense(layer_norm(y[i], p + "layer_norm2", c.eps), p + "mlp.fc1");
      for (double& e : f) e = act(e);
      y[i] = add(y[i], dense(f, p + "mlp.fc2"));
    }
    return y;
  }

  Cfg text_, vision_;
  int image_size_ = 0, patch_ = 0;
  bool gelu_ = false;
};

}  // namespace lingbi::test
