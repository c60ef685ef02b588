#include "tiny_clip.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "lingbi/clip/clip_convert.h"
#include "lingbi/util/error.h"
#include "safetensors_writer.h"

namespace lingbi::dev {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

constexpr const char* kMerges[] = {
    "h e",  "l l",      "l o</w>", "he ll", "hell o</w>", "t h",   "th e</w>", "c a",
    "ca t</w>", "a t</w>", "d o",  "do g</w>", "' s</w>", "i n",  "in g</w>", "r e",
    "e r</w>", "p h",    "ph o",    "pho t", "phot o</w>", "o f</w>", "a n",  "an d</w>"};

std::string cpt_utf8(uint32_t c) {
  std::string s;
  if (c < 0x80) s += char(c);
  else {
    s += char(0xC0 | (c >> 6));
    s += char(0x80 | (c & 0x3F));
  }
  return s;
}

// CLIP's vocabulary order: byte characters in bytes_to_unicode order, the same with "</w>",
// then one token per merge, then the two special tokens.
std::vector<std::string> tiny_vocab() {
  std::vector<int> bs;
  for (int b = '!'; b <= '~'; ++b) bs.push_back(b);
  for (int b = 0xA1; b <= 0xAC; ++b) bs.push_back(b);
  for (int b = 0xAE; b <= 0xFF; ++b) bs.push_back(b);
  std::vector<uint32_t> cs(bs.begin(), bs.end());
  uint32_t n = 0;
  for (int b = 0; b < 256; ++b)
    if (std::find(bs.begin(), bs.end(), b) == bs.end()) {
      bs.push_back(b);
      cs.push_back(256 + n++);
    }
  std::vector<std::string> vocab;
  for (uint32_t c : cs) vocab.push_back(cpt_utf8(c));
  for (uint32_t c : cs) vocab.push_back(cpt_utf8(c) + "</w>");
  for (const char* m : kMerges) {
    std::string s(m);
    vocab.push_back(s.substr(0, s.find(' ')) + s.substr(s.find(' ') + 1));
  }
  vocab.push_back("<|startoftext|>");
  vocab.push_back("<|endoftext|>");
  return vocab;
}

}  // namespace

const char* const* tiny_clip_merges(size_t* count) {
  *count = sizeof(kMerges) / sizeof(kMerges[0]);
  return kMerges;
}

void write_tiny_clip_hf(const fs::path& folder, uint32_t seed, const TinyClipOptions& o) {
  fs::create_directories(folder);
  const int64_t te = o.text_hidden, tff = o.text_ff, ctx = 77, ve = o.vision_hidden, vff = o.vision_ff, image = o.image_size,
                patch = o.patch_size, proj = o.projection, layers = o.text_layers, vlayers = o.vision_layers;
  const int64_t n_pos = (image / patch) * (image / patch) + 1;
  const std::vector<std::string> vocab = tiny_vocab();
  const char* act = o.use_gelu ? "gelu" : "quick_gelu";

  ordered_json config = {
      {"_name_or_path", "lingbi-tiny-clip"},
      {"architectures", {"CLIPModel"}},
      {"model_type", "clip"},
      {"projection_dim", proj},
      {"text_config",
       {{"hidden_size", te}, {"intermediate_size", tff}, {"num_attention_heads", o.text_heads}, {"num_hidden_layers", layers},
        {"max_position_embeddings", ctx}, {"vocab_size", vocab.size()}, {"hidden_act", act},
        {"layer_norm_eps", 1e-5}, {"projection_dim", proj}, {"bos_token_id", vocab.size() - 2},
        {"eos_token_id", vocab.size() - 1}}},
      {"vision_config",
       {{"hidden_size", ve}, {"intermediate_size", vff}, {"num_attention_heads", o.vision_heads}, {"num_hidden_layers", vlayers},
        {"image_size", image}, {"patch_size", patch}, {"num_channels", 3}, {"hidden_act", act},
        {"layer_norm_eps", 1e-5}, {"projection_dim", proj}}}};
  write_json_file(folder / "config.json", config);

  ordered_json v = ordered_json::object();
  for (size_t i = 0; i < vocab.size(); ++i) v[vocab[i]] = i;
  write_json_file(folder / "vocab.json", v);
  std::ofstream merges(folder / "merges.txt");
  merges << "#version: 0.2\n";
  for (const char* m : kMerges) merges << m << "\n";

  write_json_file(folder / "preprocessor_config.json",
             {{"crop_size", {{"height", image}, {"width", image}}}, {"do_center_crop", true}, {"do_normalize", true},
              {"do_resize", true}, {"do_rescale", true}, {"rescale_factor", 1.0 / 255}, {"resample", 3},
              {"image_mean", {0.48145466, 0.4578275, 0.40821073}}, {"image_std", {0.26862954, 0.26130258, 0.27577711}},
              {"image_processor_type", "CLIPImageProcessor"}, {"size", {{"shortest_edge", image}}}});

  SafetensorsWriter w(seed);
  auto spread = [&](float fixed, int64_t fan_in) { return o.fan_in_scale ? 1.0f / std::sqrt(float(fan_in)) : fixed; };
  w.normal("logit_scale", {}, 0.0f, 2.6592f);
  if (o.text) {
    w.normal("text_model.embeddings.token_embedding.weight", {int64_t(vocab.size()), te}, 0.5f);
    w.normal("text_model.embeddings.position_embedding.weight", {ctx, te}, 0.2f);
    w.position_ids("text_model.embeddings.position_ids", ctx);
    add_encoder_layers(w, "text_model", int(layers), te, tff, o.fan_in_scale);
    w.normal("text_model.final_layer_norm.weight", {te}, 0.1f, 1.0f);
    w.normal("text_model.final_layer_norm.bias", {te}, 0.1f);
    w.normal("text_projection.weight", {proj, te}, spread(0.15f, te));
  }
  if (o.vision) {
    w.normal("vision_model.embeddings.class_embedding", {ve}, 0.5f);
    w.normal("vision_model.embeddings.patch_embedding.weight", {ve, 3, patch, patch}, spread(0.05f, 3 * patch * patch));
    w.normal("vision_model.embeddings.position_embedding.weight", {n_pos, ve}, 0.2f);
    w.position_ids("vision_model.embeddings.position_ids", n_pos);
    w.normal("vision_model.pre_layrnorm.weight", {ve}, 0.1f, 1.0f);
    w.normal("vision_model.pre_layrnorm.bias", {ve}, 0.1f);
    add_encoder_layers(w, "vision_model", int(vlayers), ve, vff, o.fan_in_scale);
    w.normal("vision_model.post_layernorm.weight", {ve}, 0.1f, 1.0f);
    w.normal("vision_model.post_layernorm.bias", {ve}, 0.1f);
    w.normal("visual_projection.weight", {proj, ve}, spread(0.15f, ve));
  }
  w.write(folder / "model.safetensors");
}

void write_tiny_clip(const fs::path& dir, uint32_t seed) {
  write_tiny_clip_hf(dir / "clip-hf", seed);
  convert_clip_hf((dir / "clip-hf").string(), (dir / "clip.gguf").string(), ClipWeightType::F32);
}

}  // namespace lingbi::dev
