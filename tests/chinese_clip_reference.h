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
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reference_weights.h"

namespace lingbi::test {

class ReferenceBertText : public ReferenceWeights {
 public:
  explicit ReferenceBertText(const std::filesystem::path& folder) : ReferenceWeights(folder / "model.safetensors") {
    std::ifstream cf(folder / "config.json");
    const auto tc = nlohmann::json::parse(cf)["text_config"];
    heads_ = tc["num_attention_heads"].get<int>();
    layers_ = tc["num_hidden_layers"].get<int>();
    eps_ = tc["layer_norm_eps"].get<double>();
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
    return normalise(linear(x[0], "text_projection.weight", ""));
  }

 private:
  Vec layer_norm(const Vec& x, const std::string& prefix) const { return ReferenceWeights::layer_norm(x, prefix, eps_); }
  std::vector<Vec> block(const std::vector<Vec>& x, const std::string& p) const {
    const size_t n = x.size();
    std::vector<Vec> q(n), k(n), v(n);
    for (size_t i = 0; i < n; ++i) {
      q[i] = dense(x[i], p + "attention.self.query");
      k[i] = dense(x[i], p + "attention.self.key");
      v[i] = dense(x[i], p + "attention.self.value");
    }
    const std::vector<Vec> out = attend(q, k, v, heads_, false);
    std::vector<Vec> y(n);
    for (size_t i = 0; i < n; ++i) {
      Vec a = layer_norm(add(x[i], dense(out[i], p + "attention.output.dense")), p + "attention.output.LayerNorm");
      Vec f = dense(a, p + "intermediate.dense");
      for (double& e : f) e = 0.5 * e * (1.0 + std::erf(e / std::sqrt(2.0)));
      y[i] = layer_norm(add(a, dense(f, p + "output.dense")), p + "output.LayerNorm");
    }
    return y;
  }

  int heads_ = 0, layers_ = 0;
  double eps_ = 1e-12;
};

}  // namespace lingbi::test
