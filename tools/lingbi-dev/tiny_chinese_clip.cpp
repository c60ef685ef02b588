#include "tiny_chinese_clip.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "lingbi/clip/clip_convert.h"
#include "lingbi/util/error.h"
#include "safetensors_writer.h"

namespace lingbi::dev {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

void add_bert_layers(SafetensorsWriter& w, int layers, int64_t e, int64_t ff) {
  for (int i = 0; i < layers; ++i) {
    const std::string b = "text_model.encoder.layer." + std::to_string(i) + ".";
    for (const char* p : {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
      w.normal(b + p + ".weight", {e, e}, 0.15f);
      w.normal(b + p + ".bias", {e}, 0.05f);
    }
    for (const char* n : {"attention.output.LayerNorm", "output.LayerNorm"}) {
      w.normal(b + n + ".weight", {e}, 0.1f, 1.0f);
      w.normal(b + n + ".bias", {e}, 0.1f);
    }
    w.normal(b + "intermediate.dense.weight", {ff, e}, 0.15f);
    w.normal(b + "intermediate.dense.bias", {ff}, 0.05f);
    w.normal(b + "output.dense.weight", {e, ff}, 0.1f);
    w.normal(b + "output.dense.bias", {e}, 0.05f);
  }
}

}  // namespace

std::vector<std::string> tiny_chinese_clip_vocab() {
  // Special tokens first (as chinese-roberta-wwm-ext, whose [PAD] is 0), then single characters,
  // punctuation, whole English words and "##" continuations.
  return {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
          "海", "边", "的", "日", "落", "猫", "狗", "山", "水", "天", "一", "只", "在", "上", "中", "国",
          "你", "好", "照", "片", "，", "。", "！", "、", ",", ".", "!", "'", "?",
          "a", "photo", "of", "the", "cat", "dog", "sun", "##set", "##s", "hello", "world", "cafe",
          "4", "##2", "sea", "in", "##go"};
}

void write_tiny_chinese_clip_hf(const fs::path& folder, uint32_t seed, const TinyChineseClipOptions& o) {
  fs::create_directories(folder);
  std::vector<std::string> vocab = tiny_chinese_clip_vocab();
  for (int i = int(vocab.size()); i < o.vocab_size; ++i) vocab.push_back("[unused" + std::to_string(i) + "]");
  const int64_t te = o.text_hidden, tff = o.text_ff, pos = o.max_positions, ve = o.vision_hidden, vff = o.vision_ff,
                image = o.image_size, patch = o.patch_size, proj = o.projection;
  const int64_t n_pos = (image / patch) * (image / patch) + 1;

  write_json_file(folder / "config.json",
             {{"_name_or_path", "lingbi-tiny-chinese-clip"},
              {"architectures", {"ChineseCLIPModel"}},
              {"model_type", "chinese_clip"},
              {"projection_dim", proj},
              {"logit_scale_init_value", 2.6592},
              {"text_config",
               {{"model_type", "chinese_clip_text_model"}, {"architectures", {"ChineseCLIPTextModel"}},
                {"hidden_size", te}, {"intermediate_size", tff}, {"num_attention_heads", o.text_heads},
                {"num_hidden_layers", o.text_layers}, {"max_position_embeddings", pos}, {"vocab_size", vocab.size()},
                {"type_vocab_size", 2}, {"hidden_act", "gelu"}, {"layer_norm_eps", 1e-12}, {"pad_token_id", 0}}},
              {"vision_config",
               {{"model_type", "chinese_clip_vision_model"}, {"hidden_size", ve}, {"intermediate_size", vff},
                {"num_attention_heads", o.vision_heads}, {"num_hidden_layers", o.vision_layers}, {"image_size", image},
                {"patch_size", patch}, {"num_channels", 3}, {"hidden_act", "quick_gelu"}, {"layer_norm_eps", 1e-5},
                {"projection_dim", proj}}}});
  {
    std::ofstream v(folder / "vocab.txt");
    for (const std::string& t : vocab) v << t << "\n";
    if (!v) throw Error("cannot write " + (folder / "vocab.txt").string());
  }
  write_json_file(folder / "tokenizer_config.json",
             {{"tokenizer_class", "BertTokenizer"}, {"do_lower_case", o.lower_case}, {"tokenize_chinese_chars", true},
              {"strip_accents", nullptr}, {"model_max_length", pos}});
  write_json_file(folder / "preprocessor_config.json",
             {{"image_processor_type", "ChineseCLIPImageProcessor"}, {"do_resize", true},
              {"size", {{"height", image}, {"width", image}}}, {"do_center_crop", true},
              {"crop_size", {{"height", image}, {"width", image}}}, {"do_rescale", true}, {"rescale_factor", 1.0 / 255},
              {"do_normalize", true}, {"resample", 3}, {"do_convert_rgb", true},
              {"image_mean", {0.48145466, 0.4578275, 0.40821073}}, {"image_std", {0.26862954, 0.26130258, 0.27577711}}});

  SafetensorsWriter w(seed);
  w.normal("logit_scale", {}, 0.0f, 2.6592f);
  w.normal("text_model.embeddings.word_embeddings.weight", {int64_t(vocab.size()), te}, 0.5f);
  w.normal("text_model.embeddings.position_embeddings.weight", {pos, te}, 0.2f);
  w.normal("text_model.embeddings.token_type_embeddings.weight", {2, te}, 0.2f);
  w.normal("text_model.embeddings.LayerNorm.weight", {te}, 0.1f, 1.0f);
  w.normal("text_model.embeddings.LayerNorm.bias", {te}, 0.1f);
  w.position_ids("text_model.embeddings.position_ids", pos);
  add_bert_layers(w, o.text_layers, te, tff);
  w.normal("text_model.pooler.dense.weight", {te, te}, 0.15f);
  w.normal("text_model.pooler.dense.bias", {te}, 0.05f);
  w.normal("text_projection.weight", {proj, te}, 0.15f);
  w.normal("vision_model.embeddings.class_embedding", {ve}, 0.5f);
  w.normal("vision_model.embeddings.patch_embedding.weight", {ve, 3, patch, patch}, 0.05f);
  w.normal("vision_model.embeddings.position_embedding.weight", {n_pos, ve}, 0.2f);
  w.position_ids("vision_model.embeddings.position_ids", n_pos);
  w.normal("vision_model.pre_layrnorm.weight", {ve}, 0.1f, 1.0f);
  w.normal("vision_model.pre_layrnorm.bias", {ve}, 0.1f);
  add_encoder_layers(w, "vision_model", o.vision_layers, ve, vff);
  w.normal("vision_model.post_layernorm.weight", {ve}, 0.1f, 1.0f);
  w.normal("vision_model.post_layernorm.bias", {ve}, 0.1f);
  w.normal("visual_projection.weight", {proj, ve}, 0.15f);
  w.write(folder / "model.safetensors");
}

void write_tiny_chinese_clip(const fs::path& dir, uint32_t seed) {
  write_tiny_chinese_clip_hf(dir / "chinese-clip-hf", seed);
  convert_clip_hf((dir / "chinese-clip-hf").string(), (dir / "chinese-clip.gguf").string(), ClipWeightType::F32);
}

}  // namespace lingbi::dev
