// An independent SigLIP forward pass for tests: plain loops in double precision over the Hugging Face
// safetensors (no ggml, no lingbi code), following transformers' SiglipModel: the vision tower
// (patch convolution with bias, position embeddings, pre-norm blocks, post-LayerNorm, the
// attention-pooling head with nn.MultiheadAttention) and the text tower (token and position
// embeddings over the padded 64 positions, bidirectional blocks, final LayerNorm, last position,
// head), GELU in its tanh form (gelu_pytorch_tanh).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reference_weights.h"

namespace lingbi::test {

class ReferenceSiglip : public ReferenceWeights {
 public:
  explicit ReferenceSiglip(const std::filesystem::path& folder) : ReferenceWeights(folder / "model.safetensors") {
    std::ifstream cf(folder / "config.json");
    const auto c = nlohmann::json::parse(cf);
    text_ = {c["text_config"]["hidden_size"].get<int>(), c["text_config"]["num_attention_heads"].get<int>(),
             c["text_config"]["num_hidden_layers"].get<int>(), c["text_config"]["layer_norm_eps"].get<double>()};
    vision_ = {c["vision_config"]["hidden_size"].get<int>(), c["vision_config"]["num_attention_heads"].get<int>(),
               c["vision_config"]["num_hidden_layers"].get<int>(), c["vision_config"]["layer_norm_eps"].get<double>()};
    positions_ = c["text_config"]["max_position_embeddings"].get<int>();
    image_size_ = c["vision_config"]["image_size"].get<int>();
    patch_ = c["vision_config"]["patch_size"].get<int>();
  }

  int positions() const { return positions_; }

  // ids: the framed ids, padded here with pad_id to the 64 (max_position_embeddings) positions.
  Vec embed_text(std::vector<int32_t> ids, int32_t pad_id) const {
    ids.resize(size_t(positions_), pad_id);
    std::vector<Vec> x(ids.size());
    for (size_t i = 0; i < ids.size(); ++i)
      x[i] = add(row("text_model.embeddings.token_embedding.weight", ids[i]),
                 row("text_model.embeddings.position_embedding.weight", int(i)));
    for (int l = 0; l < text_.layers; ++l) x = block(x, "text_model.encoder.layers." + std::to_string(l) + ".", text_);
    const Vec last = layer_norm(x.back(), "text_model.final_layer_norm", text_.eps);
    return normalise(dense(last, "text_model.head"));
  }

  // pixels: 3 x size x size planar, already normalised.
  Vec embed_image(const std::vector<float>& px) const {
    const int side = image_size_ / patch_, e = vision_.hidden;
    const auto& w = t_.at("vision_model.embeddings.patch_embedding.weight");  // [e, 3, p, p]
    const auto& pb = t_.at("vision_model.embeddings.patch_embedding.bias");
    std::vector<Vec> x;
    for (int py = 0; py < side; ++py)
      for (int pxi = 0; pxi < side; ++pxi) {
        Vec v(pb.begin(), pb.end());
        for (int o = 0; o < e; ++o)
          for (int c = 0; c < 3; ++c)
            for (int ky = 0; ky < patch_; ++ky)
              for (int kx = 0; kx < patch_; ++kx)
                v[o] += w[((size_t(o) * 3 + c) * patch_ + ky) * patch_ + kx] *
                        px[(size_t(c) * image_size_ + py * patch_ + ky) * image_size_ + pxi * patch_ + kx];
        x.push_back(add(v, row("vision_model.embeddings.position_embedding.weight", int(x.size()))));
      }
    for (int l = 0; l < vision_.layers; ++l) x = block(x, "vision_model.encoder.layers." + std::to_string(l) + ".", vision_);
    for (auto& t : x) t = layer_norm(t, "vision_model.post_layernorm", vision_.eps);
    // nn.MultiheadAttention(probe, x, x): in_proj_weight's rows are q, k, v.
    const auto& inw = t_.at("vision_model.head.attention.in_proj_weight");
    const auto& inb = t_.at("vision_model.head.attention.in_proj_bias");
    auto project = [&](const Vec& in, int part) {
      Vec y(e, 0.0);
      for (int o = 0; o < e; ++o) {
        y[o] = inb[size_t(part) * e + o];
        for (int i = 0; i < e; ++i) y[o] += inw[(size_t(part) * e + o) * e + i] * in[i];
      }
      return y;
    };
    const Vec q = project(t_.at("vision_model.head.probe"), 0);
    std::vector<Vec> k, v;
    for (const Vec& t : x) {
      k.push_back(project(t, 1));
      v.push_back(project(t, 2));
    }
    const Vec attn = attend({q}, k, v, vision_.heads, false)[0];
    const Vec o = dense(attn, "vision_model.head.attention.out_proj");
    Vec m = dense(layer_norm(o, "vision_model.head.layernorm", vision_.eps), "vision_model.head.mlp.fc1");
    for (double& a : m) a = gelu_tanh(a);
    return normalise(add(o, dense(m, "vision_model.head.mlp.fc2")));
  }

 private:
  struct Cfg {
    int hidden = 0, heads = 0, layers = 0;
    double eps = 1e-6;
  };
  static double gelu_tanh(double v) {
    return 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
  }
  std::vector<Vec> block(const std::vector<Vec>& x, const std::string& p, const Cfg& c) const {
    const size_t n = x.size();
    std::vector<Vec> q(n), k(n), v(n);
    for (size_t i = 0; i < n; ++i) {
      const Vec h = layer_norm(x[i], p + "layer_norm1", c.eps);
      q[i] = dense(h, p + "self_attn.q_proj");
      k[i] = dense(h, p + "self_attn.k_proj");
      v[i] = dense(h, p + "self_attn.v_proj");
    }
    const std::vector<Vec> a = attend(q, k, v, c.heads, false);
    std::vector<Vec> y(n);
    for (size_t i = 0; i < n; ++i) {
      y[i] = add(x[i], dense(a[i], p + "self_attn.out_proj"));
      Vec f = dense(layer_norm(y[i], p + "layer_norm2", c.eps), p + "mlp.fc1");
      for (double& e : f) e = gelu_tanh(e);
      y[i] = add(y[i], dense(f, p + "mlp.fc2"));
    }
    return y;
  }

  Cfg text_, vision_;
  int positions_ = 0, image_size_ = 0, patch_ = 0;
};

}  // namespace lingbi::test
