// Flags that choose a chat model, local (-m) or remote (--endpoint), shared by the subcommands
// that talk to models. A prefix gives a second set ("vlm-": --vlm, --vlm-mmproj, --vlm-endpoint).
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "lingbi/model/local_model.h"
#include "lingbi/model/model.h"
#include "lingbi/model/remote_model.h"

namespace lingbi::cli {

struct ModelFlags {
  LocalModelOptions local;
  RemoteModelOptions remote;

  // True when -m or --endpoint was given.
  bool given() const { return !local.model.empty() || !remote.endpoint.empty(); }
  // True when the model can see images (an mmproj, or a remote server, which says so itself).
  bool sees_images() const { return !local.mmproj.empty() || !remote.endpoint.empty(); }
  // {"kind": "local"|"remote", "model": ..., "mmproj": ...} for the article's provenance.
  nlohmann::json describe() const;
};

// Adds the model flags to `cmd`. With an empty prefix: -m, --mmproj, --endpoint, --api-model,
// --api-key, --retries, -c, -t, -ngl. With prefix "vlm": --vlm, --vlm-mmproj, --vlm-endpoint, --vlm-api-model,
// --vlm-api-key (context, threads and layers are shared).
void add_model_flags(CLI::App* cmd, ModelFlags& flags, const std::string& prefix = "");

// The model the flags describe; throws lingbi::Error when both -m and --endpoint are given. With
// neither, or -m naming a preset, -m (and --mmproj) are first filled from the model store (see
// resolve_model in store_models.h), which names the `lingbi pull` command when they are missing.
std::unique_ptr<ChatModel> make_model(ModelFlags& flags, const std::string& what);

// The selector of --vlm (nullptr when it is not given), run with the writer's context, threads,
// GPU layers and retries.
std::unique_ptr<ChatModel> make_selector(ModelFlags& selector, const ModelFlags& writer);

}  // namespace lingbi::cli
