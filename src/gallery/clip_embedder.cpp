// The CLIP model (include/lingbi/clip/clip.h) adapted to the gallery's ImageEmbedder interface.
#include <filesystem>

#include "lingbi/clip/clip.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/util/error.h"
#include "lingbi/util/hash.h"

namespace lingbi {

namespace {

class ClipEmbedder : public ImageEmbedder {
 public:
  ClipEmbedder(const std::string& path, int n_threads, int batch_size) {
    ClipOptions o;
    o.n_threads = n_threads;
    o.batch_size = batch_size;
    model_ = ClipModel::load(path, o);
    if (!model_->has_vision())
      throw Error("CLIP model " + path + " has no vision tower: the gallery needs one to embed images");
    hash_ = xxh3_128_file_hex(path);
    preprocess_ = model_->preprocess();
  }
  std::string name() const override { return model_->name(); }
  std::string content_hash() const override { return hash_; }
  int dim() const override { return model_->dim(); }
  int image_size() const override { return preprocess_.image_size; }
  PreparedImage prepare(const vips::VImage& image) const override {
    ClipImage c = clip_image_from_vips(image, preprocess_);
    return PreparedImage{c.size, std::move(c.pixels)};
  }
  std::vector<std::vector<float>> embed_images(std::vector<PreparedImage> images) override {
    std::vector<ClipImage> batch(images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      batch[i].size = images[i].size;
      batch[i].pixels = std::move(images[i].pixels);
    }
    return model_->embed_images(batch);
  }
  std::vector<float> embed_text(const std::string& text) override { return model_->embed_texts({text}).at(0); }
  std::string family() const override { return clip_family_name(model_->family()); }
  bool multilingual() const override { return model_->multilingual(); }

 private:
  std::unique_ptr<ClipModel> model_;
  std::string hash_;
  ClipPreprocess preprocess_;
};

}  // namespace

std::unique_ptr<ImageEmbedder> load_clip_embedder(const std::string& clip_path, int n_threads, int batch_size) {
  return std::make_unique<ClipEmbedder>(clip_path, n_threads, batch_size);
}

}  // namespace lingbi
