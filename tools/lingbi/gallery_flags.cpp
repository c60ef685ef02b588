#include "gallery_flags.h"

#include <filesystem>

#include "lingbi/util/error.h"
#include "store_models.h"

namespace lingbi::cli {

void add_gallery_flags(CLI::App* cmd, GalleryFlags& flags, const std::string& gallery_help) {
  cmd->add_option("--gallery", flags.gallery, gallery_help);
  cmd->add_option("--clip", flags.clip,
                  "The CLIP model (GGUF, or a preset's name) the gallery was indexed with (default: the one it remembers)");
}

OpenedGallery open_gallery(const GalleryFlags& flags, int threads) {
  OpenedGallery opened;
  if (flags.gallery.empty()) return opened;
  if (!std::filesystem::is_directory(flags.gallery))
    throw Error("gallery " + flags.gallery + " does not exist: make one with lingbi index");
  const std::string clip = resolve_clip(flags.clip, flags.gallery);
  opened.gallery = Gallery::open(flags.gallery);
  opened.embedder = load_clip_embedder(clip, threads);
  opened.gallery->check_model(*opened.embedder);
  return opened;
}

}  // namespace lingbi::cli
