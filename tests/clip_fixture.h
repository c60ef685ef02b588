// The tiny CLIP fixture for tests: written once per test program into a temporary folder.
#pragma once

#include <filesystem>
#include <memory>

#include "lingbi/clip/clip_convert.h"
#include "support/temp_dir.h"
#include "tiny_clip.h"

namespace lingbi::test {

inline const TempDir& clip_fixture_dir() {
  static const std::unique_ptr<TempDir> dir = [] {
    auto d = std::make_unique<TempDir>();
    dev::write_tiny_clip(d->path(), 7);
    return d;
  }();
  return *dir;
}

// clip-hf/ (Hugging Face folder) and clip.gguf (f32) under clip_fixture_dir().
inline std::filesystem::path tiny_clip_hf() { return clip_fixture_dir() / "clip-hf"; }
inline std::filesystem::path tiny_clip_gguf() { return clip_fixture_dir() / "clip.gguf"; }

}  // namespace lingbi::test
