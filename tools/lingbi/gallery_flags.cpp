#include "gallery_flags.h"

#include <filesystem>

#include "lingbi/util/error.h"

namespace lingbi::cli {

void add_gallery_flags(CLI::App* cmd, GalleryFlags& flags, const std::string& gallery_help) {
  cmd->add_option("--gallery", flags.gallery, gallery_help);
  cmd->add_option("--clip", flags.clip, "The CLIP model (GGUF) the gallery was indexed with");
}

OpenedGallery open_gallery(const GalleryFlags& flags, int threads) {
  OpenedGallery opened;
  if (flags.gallery.empty()) return opened;
  if (flags.clip.empty()) throw Error("--gallery needs --clip: the CLIP model the gallery was indexed with");
  if (!std::filesystem::is_directory(flags.gallery))
    throw Error("gallery " + flags.gallery + " does not exist: make one with lingbi index");
  opened.gallery = Gallery::open(flags.gallery);
  opened.embedder = load_clip_embedder(flags.clip, threads);
  opened.gallery->check_model(*opened.embedder);
  return opened;
}

}  // namespace lingbi::cli
