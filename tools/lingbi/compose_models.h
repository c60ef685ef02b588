// The models a compose runs with, loaded from the flags: shared by `lingbi compose` and
// `lingbi serve`.
#pragma once

#include <memory>

#include "gallery_flags.h"
#include "lingbi/compose/compose.h"
#include "model_flags.h"

namespace lingbi::cli {

struct LoadedModels {
  std::unique_ptr<ChatModel> writer;
  std::unique_ptr<ChatModel> selector;  // only with --vlm
  ComposeModels models;                 // points at the above and at the gallery; describes them
};

// Loads the writer and the selector: --vlm when given, else the writer when it sees images (one
// vision-language model writes and selects), else none (the best score wins). `gallery` stays
// owned by the caller and must outlive the result.
LoadedModels load_models(ModelFlags& writer, ModelFlags& selector, const OpenedGallery& gallery);

}  // namespace lingbi::cli
