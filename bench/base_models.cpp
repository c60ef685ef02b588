#include "base_models.h"

#include "lingbi/clip/clip_convert.h"
#include "lingbi/util/error.h"
#include "tiny_chinese_clip.h"
#include "tiny_clip.h"
#include "tiny_siglip.h"

namespace lingbi::bench {

namespace fs = std::filesystem;

namespace {

fs::path base_hf(const fs::path& dir, const std::string& family) {
  const fs::path folder = dir / (family + "-base-hf");
  if (fs::exists(folder / "model.safetensors")) return folder;
  if (family == "clip") {
    dev::TinyClipOptions o;
    o.vision_hidden = 768, o.vision_heads = 12, o.vision_ff = 3072, o.vision_layers = 12, o.image_size = 224, o.patch_size = 32;
    o.text_hidden = 512, o.text_heads = 8, o.text_ff = 2048, o.text_layers = 12, o.projection = 512;
    dev::write_tiny_clip_hf(folder, 1, o);
  } else if (family == "chinese_clip") {
    dev::TinyChineseClipOptions o;
    o.text_hidden = 768, o.text_heads = 12, o.text_ff = 3072, o.text_layers = 12, o.max_positions = 512;
    o.vision_hidden = 768, o.vision_heads = 12, o.vision_ff = 3072, o.vision_layers = 12, o.image_size = 224, o.patch_size = 16;
    o.projection = 512;
    dev::write_tiny_chinese_clip_hf(folder, 1, o);
  } else if (family == "siglip") {
    dev::TinySiglipOptions o;
    o.hidden = 768, o.heads = 12, o.ff = 3072, o.layers = 12, o.positions = 64;
    o.vision_hidden = 768, o.vision_heads = 12, o.vision_ff = 3072, o.vision_layers = 12, o.image_size = 224, o.patch_size = 16;
    dev::write_tiny_siglip_hf(folder, 1, o);
  } else {
    throw Error("no base model for family " + family);
  }
  return folder;
}

}  // namespace

fs::path base_model_gguf(const fs::path& dir, const std::string& family, const std::string& type) {
  const fs::path gguf = dir / (family + "-base-" + type + ".gguf");
  if (!fs::exists(gguf)) {
    fs::create_directories(dir);
    const fs::path part = dir / (family + "-base-" + type + ".gguf.part");
    convert_clip_hf(base_hf(dir, family).string(), part.string(), parse_clip_weight_type(type));
    fs::rename(part, gguf);
  }
  return gguf;
}

}  // namespace lingbi::bench
