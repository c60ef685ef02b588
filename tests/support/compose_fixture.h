// Shared by the compose and edit tests: a gallery of generated pictures indexed with the tiny CLIP
// (kept open for reading, as compose does), and the options of the tiny writer model.
#pragma once

#include <memory>
#include <string>

#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/model/local_model.h"
#include "model_support.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"

namespace lingbi::test {

struct ComposeGallery {
  TempDir dir;
  std::unique_ptr<ImageEmbedder> embedder;
  std::unique_ptr<Gallery> gallery;

  // `pictures` generated pictures of `min_side` to `max_side` pixels, indexed on one thread.
  explicit ComposeGallery(int pictures, int min_side = 48, int max_side = 80) {
    embedder = load_clip_embedder((tiny_models() / "clip.gguf").string(), 1);
    make_pictures(dir.path() / "pictures", 0, pictures, min_side, max_side);
    {
      auto writer = Gallery::open_for((dir.path() / "gallery").string(), *embedder);
      IndexOptions o;
      o.roots = {(dir.path() / "pictures").string()};
      o.threads = 1;
      o.progress = false;
      writer->index(*embedder, o);
    }
    gallery = Gallery::open((dir.path() / "gallery").string());
  }
};

// The tiny LLM on one thread (ten times faster than two on a loaded 2-core machine), with room
// for a whole article and the questions about it; with `vision`, its mmproj too.
inline LocalModelOptions tiny_writer_options(bool vision = false) {
  LocalModelOptions o;
  o.model = tiny_models() / "llm.gguf";
  if (vision) o.mmproj = tiny_models() / "mmproj.gguf";
  o.threads = 1;
  o.context = 16384;
  return o;
}

}  // namespace lingbi::test
