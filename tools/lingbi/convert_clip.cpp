// `lingbi convert-clip`: Hugging Face CLIP checkpoint folder -> GGUF in clip.cpp's layout.
#include <cstdio>
#include <string>

#include "commands.h"
#include "lingbi/clip/clip_convert.h"

namespace lingbi::cli {

void add_convert_clip_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert-clip",
                                 "Convert a Hugging Face CLIP, Chinese-CLIP or SigLIP / SigLIP 2 (fixed resolution) folder to "
                                 "GGUF (config.json, model.safetensors, preprocessor_config.json; CLIP: vocab.json, merges.txt; "
                                 "Chinese-CLIP: vocab.txt, tokenizer_config.json; SigLIP: spiece.model or tokenizer.model, "
                                 "tokenizer_config.json). The file records the family (clip, chinese_clip, siglip)");
  static std::string hf, out, type = "f16";
  cmd->add_option("--hf", hf, "Hugging Face CLIPModel, ChineseCLIPModel or SiglipModel checkpoint folder")->required();
  cmd->add_option("--out", out, "output GGUF file")->required();
  cmd->add_option("--type", type, "weight type of the matrices: f32, f16, bf16 or q8_0")->default_val("f16")
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0"}));
  cmd->callback([] {
    convert_clip_hf(hf, out, parse_clip_weight_type(type));
    std::printf("wrote %s\n", out.c_str());
  });
}

}  // namespace lingbi::cli
