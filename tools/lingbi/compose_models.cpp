#include "compose_models.h"

namespace lingbi::cli {

LoadedModels load_models(ModelFlags& writer, ModelFlags& selector, const OpenedGallery& gallery) {
  LoadedModels loaded;
  loaded.writer = make_model(writer, "writer");
  loaded.selector = make_selector(selector, writer);
  ComposeModels& m = loaded.models;
  m.writer = loaded.writer.get();
  m.describe["writer"] = writer.describe();
  if (loaded.selector) {
    m.selector = loaded.selector.get();
    m.describe["selector"] = selector.describe();
  } else if (writer.sees_images()) {
    m.selector = loaded.writer.get();
    m.describe["selector"] = writer.describe();
  }
  m.embedder = gallery.embedder.get();
  m.gallery = gallery.gallery.get();
  if (gallery.embedder) m.describe["clip"] = gallery.embedder->name();
  return loaded;
}

}  // namespace lingbi::cli
