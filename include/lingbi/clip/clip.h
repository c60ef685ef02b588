// CLIP dual encoders on ggml: image and text embeddings in one shared space, from GGUF files in
// clip.cpp's layout (see docs/clip.md), for three model families: OpenAI CLIP, Chinese-CLIP (a BERT
// text tower) and SigLIP. Images are preprocessed as Hugging Face's image processors.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace vips { class VImage; }

namespace lingbi {

// The model family a GGUF records (key clip.family; files without it are OpenAI CLIP).
enum class ClipFamily { clip, chinese_clip, siglip };
// "clip", "chinese_clip", "siglip"; parse throws lingbi::Error for other names.
const char* clip_family_name(ClipFamily family);
ClipFamily parse_clip_family(const std::string& name);

struct ClipOptions {
  int n_threads = 0;     // 0: one per core
  int batch_size = 16;   // images or texts per graph evaluation
  std::string device;    // "" or "CPU": the ggml CPU backend; otherwise a ggml backend device name
  // On the CPU backend, lingbi's own AVX-512 kernels where the CPU has them (bf16 linears, the
  // vision towers' attention: src/clip/cpu_kernels.h); false: ggml's operators throughout.
  bool cpu_kernels = true;
};

// What the vision tower expects; read from the GGUF (clip.vision.image_size, image_mean, image_std).
struct ClipPreprocess {
  int image_size = 224;
  float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
  float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
  // false: shortest side to image_size, then a centre crop (CLIPImageProcessor); true: both sides to
  // image_size, the aspect ratio not kept (Chinese-CLIP's and SigLIP's processors).
  bool stretch = false;
};

// One image ready for the vision tower: planar RGB, size x size, normalised floats.
struct ClipImage {
  int size = 0;
  std::vector<float> pixels;  // 3 * size * size, channel-major (R plane, G plane, B plane)
};

// Reference preprocessing (as Hugging Face's CLIPImageProcessor): EXIF orientation applied,
// converted to 3-channel sRGB (alpha flattened; the CLIP work chooses onto what and documents it), shortest side resized to image_size
// with bicubic, centre crop, scaled to [0,1], normalised. Throws lingbi::Error naming the file when
// it does not decode.
ClipImage load_clip_image(const std::string& path, const ClipPreprocess& p);
ClipImage load_clip_image_from_memory(const void* data, size_t size, const ClipPreprocess& p);
// From an image already decoded (any size, any band count/colour space libvips can convert to
// sRGB); the gallery calls this after its own shrink-on-load decode.
ClipImage clip_image_from_vips(const vips::VImage& image, const ClipPreprocess& p);

class ClipModel {
 public:
  // Loads a GGUF in clip.cpp's layout (general.architecture "clip"). Throws lingbi::Error with a
  // clear message for a missing file, a non-GGUF, another architecture, missing tensors, wrong shapes.
  static std::unique_ptr<ClipModel> load(const std::string& path, const ClipOptions& options = {});
  virtual ~ClipModel() = default;

  virtual const std::string& name() const = 0;   // general.name, or the file's stem
  virtual int dim() const = 0;                   // projection dim: length of every embedding
  virtual bool has_vision() const = 0;
  virtual bool has_text() const = 0;
  virtual ClipPreprocess preprocess() const = 0;
  virtual ClipFamily family() const = 0;
  // Whether the text tower reads more than English (Chinese-CLIP, multilingual SigLIP, SigLIP 2):
  // then queries are best written in the user's language (key clip.multilingual).
  virtual bool multilingual() const = 0;
  // Which of lingbi's own CPU kernels this model runs (ClipOptions::cpu_kernels): "bf16 linears
  // (N matrices), attention", "attention", or "none" (ggml's operators throughout).
  virtual std::string cpu_kernels() const = 0;

  // L2-normalised embeddings, one per input, in input order. Any number of inputs (batched
  // internally by ClipOptions::batch_size). Throws lingbi::Error when the tower is absent.
  // Safe to call from several threads; calls on one model run one after another.
  virtual std::vector<std::vector<float>> embed_images(const std::vector<ClipImage>& images) = 0;
  virtual std::vector<std::vector<float>> embed_texts(const std::vector<std::string>& texts) = 0;
};

}  // namespace lingbi
