// --gallery and --clip for the subcommands that take pictures from a gallery (compose, edit).
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"

namespace lingbi::cli {

struct GalleryFlags {
  std::string gallery;  // folder
  std::string clip;     // the CLIP GGUF it was indexed with
};

// Adds --gallery (described by `gallery_help`) and --clip to `cmd`.
void add_gallery_flags(CLI::App* cmd, GalleryFlags& flags, const std::string& gallery_help);

// A gallery opened for reading with the CLIP model it was indexed with.
struct OpenedGallery {
  std::unique_ptr<Gallery> gallery;
  std::unique_ptr<ImageEmbedder> embedder;
};

// Opens the gallery of the flags (both empty without --gallery), with --clip, else the CLIP model
// the gallery remembers (see resolve_clip). Throws lingbi::Error when there is no CLIP model, the
// folder does not exist, or the model is not the gallery's.
OpenedGallery open_gallery(const GalleryFlags& flags, int threads);

}  // namespace lingbi::cli
