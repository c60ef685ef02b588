#include "tiny_siglip.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "lingbi/clip/clip_convert.h"
#include "lingbi/util/error.h"
#include "safetensors_writer.h"

namespace lingbi::dev {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

// Lines the tiny SentencePiece model learns its pieces from: English, Chinese, both.
constexpr const char* kCorpus[] = {
    "a photo of a cat", "a photo of a dog", "the sunset by the sea", "a cat on the mountain",
    "hello world", "a red bicycle in the rain", "morning in a quiet city", "the first tram of the day",
    "海边的日落", "一只猫在山上", "你好世界", "城市的清晨", "雨中的红色自行车", "第一班电车",
    "海边 sunset 的照片", "一只 cat 和一只 dog", "photos of the sea and the mountains", "照片里的海和山",
};

// kCorpus four times over, for the trainer.
class CorpusIterator : public sentencepiece::SentenceIterator {
 public:
  bool done() const override { return i_ >= 4 * std::size(kCorpus); }
  void Next() override {
    if (++i_ < 4 * std::size(kCorpus)) line_ = kCorpus[i_ % std::size(kCorpus)];
  }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  size_t i_ = 0;
  std::string line_ = kCorpus[0];
};

// Trains a unigram SentencePiece model on kCorpus, in memory and on one thread, so the model (which
// records the trainer's arguments) is the same bytes every time.
std::string train_spm(bool gemma) {
  const std::string ids = gemma ? " --pad_id=0 --eos_id=1 --bos_id=2 --unk_id=3 --pad_piece=<pad> --eos_piece=<eos> --bos_piece=<bos>"
                                : " --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1 --pad_piece=<pad> --eos_piece=</s>";
  const std::string args = "--vocab_size=160 --hard_vocab_limit=false --model_type=unigram --character_coverage=1.0"
                           " --num_threads=1 --minloglevel=2 --seed_sentencepiece_size=10000" + ids;
  CorpusIterator corpus;
  std::string model;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &corpus, &model);
  if (!status.ok()) throw Error("training the tiny SentencePiece model failed: " + status.ToString());
  return model;
}

}  // namespace

void write_tiny_siglip_hf(const fs::path& folder, uint32_t seed, const TinySiglipOptions& o) {
  fs::create_directories(folder);
  const std::string spm = train_spm(o.siglip2);
  sentencepiece::SentencePieceProcessor sp;
  if (!sp.LoadFromSerializedProto(spm).ok()) throw Error("the tiny SentencePiece model does not load");
  const int64_t vocab = o.vocab_size > 0 ? o.vocab_size : sp.GetPieceSize();
  {
    std::ofstream out(folder / (o.siglip2 ? "tokenizer.model" : "spiece.model"), std::ios::binary);
    out << spm;
  }
  const int64_t te = o.hidden, ve = o.vision_hidden, image = o.image_size, patch = o.patch_size;
  const int64_t n_patch = (image / patch) * (image / patch);
  write_json_file(folder / "config.json",
             {{"_name_or_path", o.siglip2 ? "lingbi-tiny-siglip2" : "lingbi-tiny-siglip"},
              {"architectures", {"SiglipModel"}},
              {"model_type", "siglip"},
              {"text_config",
               {{"model_type", "siglip_text_model"}, {"hidden_size", te}, {"intermediate_size", o.ff},
                {"num_attention_heads", o.heads}, {"num_hidden_layers", o.layers}, {"max_position_embeddings", o.positions},
                {"vocab_size", vocab}, {"hidden_act", "gelu_pytorch_tanh"}, {"layer_norm_eps", 1e-6},
                {"projection_size", ve}}},  // the shared space is the vision tower's width
              {"vision_config",
               {{"model_type", "siglip_vision_model"}, {"hidden_size", ve}, {"intermediate_size", o.vision_ff},
                {"num_attention_heads", o.vision_heads}, {"num_hidden_layers", o.vision_layers}, {"image_size", image},
                {"patch_size", patch}, {"num_channels", 3}, {"hidden_act", "gelu_pytorch_tanh"}, {"layer_norm_eps", 1e-6}}}});
  if (o.siglip2)
    write_json_file(folder / "tokenizer_config.json",
               {{"tokenizer_class", "GemmaTokenizer"}, {"add_bos_token", true}, {"add_eos_token", true},
                {"bos_token", "<bos>"}, {"eos_token", "<eos>"}, {"pad_token", "<pad>"}, {"unk_token", "<unk>"},
                {"model_max_length", o.positions}});
  else
    write_json_file(folder / "tokenizer_config.json",
               {{"tokenizer_class", "SiglipTokenizer"}, {"do_lower_case", true}, {"eos_token", "</s>"},
                {"pad_token", "</s>"}, {"unk_token", "<unk>"}, {"model_max_length", o.positions}});
  write_json_file(folder / "preprocessor_config.json",
             {{"image_processor_type", "SiglipImageProcessor"}, {"do_resize", true},
              {"size", {{"height", image}, {"width", image}}}, {"resample", 2}, {"do_rescale", true},
              {"rescale_factor", 1.0 / 255}, {"do_normalize", true}, {"image_mean", {0.5, 0.5, 0.5}},
              {"image_std", {0.5, 0.5, 0.5}}});

  SafetensorsWriter w(seed);
  w.normal("logit_scale", {1}, 0.0f, 2.3026f);
  w.normal("logit_bias", {1}, 0.0f, -10.0f);
  w.normal("text_model.embeddings.token_embedding.weight", {vocab, te}, 0.5f);
  w.normal("text_model.embeddings.position_embedding.weight", {o.positions, te}, 0.2f);
  w.position_ids("text_model.embeddings.position_ids", o.positions);
  add_encoder_layers(w, "text_model", o.layers, te, o.ff);
  w.normal("text_model.final_layer_norm.weight", {te}, 0.1f, 1.0f);
  w.normal("text_model.final_layer_norm.bias", {te}, 0.1f);
  w.normal("text_model.head.weight", {ve, te}, 0.15f);
  w.normal("text_model.head.bias", {ve}, 0.05f);
  w.normal("vision_model.embeddings.patch_embedding.weight", {ve, 3, patch, patch}, 0.05f);
  w.normal("vision_model.embeddings.patch_embedding.bias", {ve}, 0.05f);
  w.normal("vision_model.embeddings.position_embedding.weight", {n_patch, ve}, 0.2f);
  w.position_ids("vision_model.embeddings.position_ids", n_patch);
  add_encoder_layers(w, "vision_model", o.vision_layers, ve, o.vision_ff);
  w.normal("vision_model.post_layernorm.weight", {ve}, 0.1f, 1.0f);
  w.normal("vision_model.post_layernorm.bias", {ve}, 0.1f);
  w.normal("vision_model.head.probe", {1, 1, ve}, 0.5f);
  w.normal("vision_model.head.attention.in_proj_weight", {3 * ve, ve}, 0.15f);
  w.normal("vision_model.head.attention.in_proj_bias", {3 * ve}, 0.05f);
  w.normal("vision_model.head.attention.out_proj.weight", {ve, ve}, 0.15f);
  w.normal("vision_model.head.attention.out_proj.bias", {ve}, 0.05f);
  w.normal("vision_model.head.layernorm.weight", {ve}, 0.1f, 1.0f);
  w.normal("vision_model.head.layernorm.bias", {ve}, 0.1f);
  w.normal("vision_model.head.mlp.fc1.weight", {o.vision_ff, ve}, 0.15f);
  w.normal("vision_model.head.mlp.fc1.bias", {o.vision_ff}, 0.05f);
  w.normal("vision_model.head.mlp.fc2.weight", {ve, o.vision_ff}, 0.1f);
  w.normal("vision_model.head.mlp.fc2.bias", {ve}, 0.05f);
  w.write(folder / "model.safetensors");
}

void write_tiny_siglip(const fs::path& dir, uint32_t seed) {
  write_tiny_siglip_hf(dir / "siglip-hf", seed);
  convert_clip_hf((dir / "siglip-hf").string(), (dir / "siglip.gguf").string(), ClipWeightType::F32);
}

}  // namespace lingbi::dev
