// Each subcommand of the lingbi binary lives in its own file and registers itself here.
#pragma once

#include <CLI/CLI.hpp>

namespace lingbi::cli {

// Thrown by a subcommand that ends with an exit status other than 0 or 1 (after it has said why).
struct ExitStatus {
  int code = 0;
};

// Adds `lingbi system-info`: versions of lingbi and its libraries, and the compute devices found.
void add_system_info_command(CLI::App& app);
// Adds `lingbi embed --clip model.gguf [--image F]... [--text T]...`: CLIP embeddings as JSON.
void add_embed_command(CLI::App& app);
// Adds `lingbi convert-clip --hf DIR --out model.gguf [--type f32|f16|q8_0]`.
void add_convert_clip_command(CLI::App& app);

// Adds `lingbi index`: create or update a gallery from folders of pictures.
void add_index_command(CLI::App& app);

// Adds `lingbi search`: query a gallery with a text or an example image.
void add_search_command(CLI::App& app);

// Adds `lingbi gallery info|errors|merge|optimize`.
void add_gallery_command(CLI::App& app);

// Adds `lingbi compose`: an illustrated article from an instruction, the main job.
void add_compose_command(CLI::App& app);

// Adds `lingbi render`: a saved article (JSON) to Markdown or HTML again, without models.
void add_render_command(CLI::App& app);

// Adds `lingbi edit article.json rewrite|research|swap|add-slot|remove-slot`: edits a saved article.
void add_edit_command(CLI::App& app);

// Adds `lingbi chat`: streamed image-text dialogue with a local GGUF model or a remote server.
void add_chat_command(CLI::App& app);

// Adds `lingbi publish wechat article.json --appid ID`: a draft through WeChat's API (publish.cpp).
void add_publish_command(CLI::App& app);

// Adds `lingbi pull NAME | OWNER/NAME:FILE` (pull.cpp): models from a hub into the model store.
void add_pull_command(CLI::App& app);
// Adds `lingbi models [--json]` and `lingbi models rm NAME` (pull.cpp).
void add_models_command(CLI::App& app);

// `lingbi serve` (serve.cpp).
void add_serve_command(CLI::App& app);

}  // namespace lingbi::cli
