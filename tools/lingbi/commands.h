// Each subcommand of the lingbi binary lives in its own file and registers itself here.
#pragma once

#include <CLI/CLI.hpp>

namespace lingbi::cli {

// Adds `lingbi system-info`: versions of lingbi and its libraries, and the compute devices found.
void add_system_info_command(CLI::App& app);
// Adds `lingbi embed --clip model.gguf [--image F]... [--text T]...`: CLIP embeddings as JSON.
void add_embed_command(CLI::App& app);
// Adds `lingbi convert-clip --hf DIR --out model.gguf [--type f32|f16|q8_0]`.
void add_convert_clip_command(CLI::App& app);

}  // namespace lingbi::cli
