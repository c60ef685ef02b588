// The encoder the gallery tests index with: the tiny random-weight CLIP model (the real ClipModel
// on a generated GGUF), written once per test program.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lingbi/gallery/gallery_embedder.h"
#include "support/temp_dir.h"
#include "tiny_clip.h"

namespace lingbi::test {

inline std::filesystem::path gallery_clip_gguf() {
  static const std::unique_ptr<TempDir> dir = [] {
    auto d = std::make_unique<TempDir>();
    dev::write_tiny_clip(d->path(), 11);
    return d;
  }();
  return dir->path() / "clip.gguf";
}

inline std::unique_ptr<ImageEmbedder> make_test_embedder() {
  return load_clip_embedder(gallery_clip_gguf().string(), 1, 16);  // with one decoder: 2 cores
}

}  // namespace lingbi::test
