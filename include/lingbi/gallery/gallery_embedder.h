// What the gallery needs from an image encoder. The CLIP model is adapted to this interface in
// src/gallery/clip_embedder.cpp; keeping it small lets ingestion and search be tested on their own.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace vips { class VImage; }

namespace lingbi {

// One image made ready for the encoder by ImageEmbedder::prepare (for CLIP: planar, normalised RGB).
struct PreparedImage {
  int size = 0;
  std::vector<float> pixels;
};

class ImageEmbedder {
 public:
  virtual ~ImageEmbedder() = default;
  virtual std::string name() const = 0;          // model name, recorded in the gallery
  virtual std::string content_hash() const = 0;  // xxh3-128 of the model file: identity of the model
  virtual int dim() const = 0;                   // length of every embedding
  virtual int image_size() const = 0;            // side the encoder wants; decoding shrinks to about this

  // Turns a decoded image (any size, sRGB) into the encoder's input. Safe to call from many
  // threads at once. Throws lingbi::Error when the image cannot be converted.
  virtual PreparedImage prepare(const vips::VImage& image) const = 0;
  // L2-normalised embeddings, one per input, in order.
  virtual std::vector<std::vector<float>> embed_images(std::vector<PreparedImage> images) = 0;
  // L2-normalised embedding of a text query; throws lingbi::Error when the model has no text tower.
  virtual std::vector<float> embed_text(const std::string& text) = 0;
  // The model family ("clip", "chinese_clip", "siglip") and whether its text tower reads more than
  // English: then compose writes its queries in the article's language.
  virtual std::string family() const { return "clip"; }
  virtual bool multilingual() const { return false; }
};

// Loads a CLIP GGUF (see clip.h) as an ImageEmbedder. n_threads 0: one per core.
std::unique_ptr<ImageEmbedder> load_clip_embedder(const std::string& clip_path, int n_threads = 0,
                                                  int batch_size = 16);

}  // namespace lingbi
