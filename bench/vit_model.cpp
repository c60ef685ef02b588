#include "vit_b32.h"

#include <system_error>

#include "lingbi/clip/clip_convert.h"
#include "tiny_clip.h"

namespace lingbi::bench {

namespace fs = std::filesystem;

fs::path vit_b32_hf(const fs::path& dir) {
  const fs::path folder = dir / "vit-b32-hf";
  if (!fs::exists(folder / "model.safetensors")) {
    dev::TinyClipOptions o;
    o.text = false;
    o.vision_hidden = 768;
    o.vision_heads = 12;
    o.vision_ff = 3072;
    o.vision_layers = 12;
    o.image_size = 224;
    o.patch_size = 32;
    o.projection = 512;
    dev::write_tiny_clip_hf(folder, 1, o);
  }
  return folder;
}

fs::path vit_b32_gguf(const fs::path& dir, const std::string& type) {
  const fs::path gguf = dir / ("vit-b32-" + type + ".gguf");
  if (!fs::exists(gguf)) {
    // Written under another name first, so that an interrupted run leaves no half file behind.
    const fs::path part = dir / ("vit-b32-" + type + ".gguf.part");
    convert_clip_hf(vit_b32_hf(dir).string(), part.string(), parse_clip_weight_type(type));
    fs::rename(part, gguf);
  }
  return gguf;
}

}  // namespace lingbi::bench
